"""The catalogs as a language reviewer would check them (issue 19): what `msgfmt -c` rejects,
placeholders lost in a form of a translation, terms the glossary says not to use, and one
quotation style per language — each check first shown to catch what it is for."""

from __future__ import annotations

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from flask_babel import force_locale

from portal import catalogs
from portal.catalogs import LANGUAGES
from portal.services.cases.outcomes import CHOICE_LABELS


def _catalog(lang: str, *entries) -> Catalog:
    catalog = Catalog(locale=lang)
    for msgid, msgstr in entries:
        catalog.add(msgid, msgstr)
    return catalog


@pytest.mark.parametrize("lang", LANGUAGES)
def test_gnu_msgfmt_accepts_the_catalog(lang):
    assert catalogs.msgfmt_errors(lang) == []


def test_msgfmt_catches_a_russian_plural_form_without_its_number(tmp_path):
    path = tmp_path / "ru.po"
    broken = _catalog("ru", (("%(num)s day", "%(num)s days"), ("день", "%(num)s дня", "%(num)s дней")))
    with path.open("wb") as fh:
        write_po(fh, broken)
    assert catalogs.msgfmt_errors("ru", path)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_placeholder_of_a_message_is_in_every_form_of_its_translation(lang):
    assert catalogs.missing_placeholders(lang) == []


def test_the_placeholder_check_sees_a_lost_one():
    lost = _catalog("ru", (("%(num)s day", "%(num)s days"), ("день", "%(num)s дня", "%(num)s дней")),
                    ("Room %(number)s", "Комната"))  # fmt: skip
    found = catalogs.missing_placeholders("ru", lost)
    assert len(found) == 2 and "form 0 lacks %(num)s" in found[0]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_translation_uses_a_term_the_glossary_rules_out(lang):
    assert catalogs.terms_not_to_use(lang) == []


def test_the_glossary_check_sees_a_ruled_out_term():
    terms = [{"concept": "IIN generation", "avoid_kk": ["генерацияла"]}]
    found = catalogs.terms_not_to_use(
        "kk", _catalog("kk", ("IIN generated", "ЖСН генерацияланды")), terms
    )
    assert found and "IIN generation" in found[0]


def test_the_glossary_names_every_term_in_the_three_languages():
    glossary = catalogs.glossary()
    concepts = [t["concept"] for t in glossary["term"]]
    assert len(concepts) == len(set(concepts))
    for term in glossary["term"]:
        assert all(term.get(lang) for lang in LANGUAGES), term["concept"]
        assert term.get("source"), term["concept"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_one_quotation_style_per_language(lang):
    assert catalogs.foreign_quotes(lang) == []


def test_the_quotation_check_sees_straight_quotes_but_not_html():
    mixed = _catalog("kk", ("Apply", 'ІІМ "Көші-қон полициясы"'),
                     ("Open", '<a href="/x">«Ашу»</a>'))  # fmt: skip
    found = catalogs.foreign_quotes("kk", mixed, "«»")
    assert len(found) == 1 and "Apply" in found[0]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_one_spelling_per_language(lang):
    assert catalogs.letters_not_to_use(lang) == []


def test_the_spelling_check_sees_yo():
    found = catalogs.letters_not_to_use("ru", _catalog("ru", ("Reception", "приём")), "ёЁ")
    assert len(found) == 1 and "ё" in found[0]


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_one_english_word_with_several_meanings_has_a_translation_per_meaning(lang):
    # "refused": a document, a submission of documents (R4-1), a regional-quota application
    # (C8.6) and targeted social assistance (C8.10) are refused in different words.
    catalog = catalogs.read(lang)
    refused = {ctx: catalog.get("refused", context=ctx).string
               for ctx in ("document", "submission", "quota", "assistance")}  # fmt: skip
    assert len(set(refused.values())) == len(refused), refused
    accepted = {ctx: catalog.get("accepted", context=ctx).string for ctx in ("document", "submission")}
    assert len(set(accepted.values())) == len(accepted), accepted


def test_the_refusals_of_the_quota_and_of_assistance_read_apart_in_russian(app):
    with app.test_request_context("/ru/"), force_locale("ru"):
        quota, assistance = (str(CHOICE_LABELS[key, "refused"]) for key in ("quota", "assistance"))
    assert (quota, assistance) == ("отказано во включении в квоту", "отказано в назначении")
