"""Checks and chores for the translation catalogs (kk, ru, en).

`python -m portal.catalogs fill-english` copies each English msgid into its msgstr (English is
the source language, but its catalog must still be complete); `python -m portal.catalogs check`
(run by `make lint`) lists what a language reviewer would refuse and exits non-zero when there
is any (issue 19):

- untranslated and fuzzy entries;
- what GNU `msgfmt -c` rejects (a plural form without its number, a broken format string);
- a placeholder of a msgid missing from a form of its msgstr (Russian uses its "singular"
  form for 21, 31 …, so every form must say `%(num)s`);
- a term the glossary (`docs/glossary.toml`) says not to use in that language;
- quotation marks other than the language's own (`[quotes]` of the glossary: «…» in Kazakh and
  Russian), outside HTML tags;
- a letter the language's style leaves out (`[spelling]`: «ё» in Russian).
"""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po, write_po

TRANSLATIONS = Path(__file__).parent / "translations"
GLOSSARY = Path(__file__).parent.parent / "docs" / "glossary.toml"
LANGUAGES = ("kk", "ru", "en")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
QUOTES = '"“”„«»‚'  # the double quotation marks a translator might type (’ is an apostrophe)
TAG = re.compile(r"<[^>]*>")


def po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def read(lang: str):
    with po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang)


def problems(lang: str, catalog=None) -> list[str]:
    """Untranslated or fuzzy entries of one catalog, as readable lines."""
    out = []
    for msg in read(lang) if catalog is None else catalog:
        if not msg.id:
            continue
        strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
        if not all(strings):
            out.append(f"{lang}: untranslated: {msg.id!r}")
        if msg.fuzzy:
            out.append(f"{lang}: fuzzy: {msg.id!r}")
    return out


def _forms(value) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


@cache
def glossary() -> dict:
    """docs/glossary.toml, read once (read-only: the checks only look things up in it)."""
    with GLOSSARY.open("rb") as fh:
        return tomllib.load(fh)


def msgfmt_errors(lang: str, path: Path | None = None) -> list[str]:
    """What `msgfmt -c` rejects in the catalog (its warnings about the header aside)."""
    if shutil.which("msgfmt") is None:
        return [f"{lang}: msgfmt is missing (Debian's gettext): the catalog cannot be checked"]
    run = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(path or po_path(lang))],
                         capture_output=True, text=True)  # fmt: skip
    if run.returncode == 0:
        return []
    lines = [line for line in run.stderr.splitlines() if "warning:" not in line]
    return [f"{lang}: msgfmt -c: {line}" for line in lines]


def _forms_for_one_only(catalog) -> set[int]:
    """The plural forms the language uses for the number 1 alone (English "one day"; not
    Russian's, which also says 21, 31 …)."""
    form_of = gettext.c2py(catalog.plural_expr)
    used = {}
    for n in range(1000):
        used.setdefault(form_of(n), set()).add(n)
    return {form for form, numbers in used.items() if numbers == {1}}


def missing_placeholders(lang: str, catalog=None) -> list[str]:
    """Entries whose msgstr forms leave out a placeholder of the msgid: of either msgid form,
    except in a form said of 1 only, which needs only the singular msgid's."""
    catalog = read(lang) if catalog is None else catalog
    for_one = _forms_for_one_only(catalog)
    out = []
    for msg in catalog:
        if not msg.id:
            continue
        every = {name for text in _forms(msg.id) for name in PLACEHOLDER.findall(text)}
        singular = set(PLACEHOLDER.findall(_forms(msg.id)[0]))
        for n, form in enumerate(_forms(msg.string)):
            wanted = singular if n in for_one and isinstance(msg.id, tuple) else every
            lost = wanted - set(PLACEHOLDER.findall(form))
            if form and lost:
                out.append(f"{lang}: form {n} lacks %({', '.join(sorted(lost))})s: {msg.id!r}")
    return out


def terms_not_to_use(lang: str, catalog=None, terms: list[dict] | None = None) -> list[str]:
    """msgstr texts that hold a term the glossary says not to use in `lang`."""
    terms = glossary()["term"] if terms is None else terms
    avoid = [(t["concept"], word.lower()) for t in terms for word in t.get(f"avoid_{lang}", ())]
    out = []
    for msg in read(lang) if catalog is None else catalog:
        for form in _forms(msg.string) if msg.id else ():
            low = form.lower()
            out += [f"{lang}: not {word!r} ({concept}, docs/glossary.toml): {msg.id!r}"
                    for concept, word in avoid if word in low]  # fmt: skip
    return out


def foreign_quotes(lang: str, catalog=None, allowed: str | None = None) -> list[str]:
    """msgstr texts with quotation marks other than the language's own (outside HTML tags)."""
    allowed = "".join(glossary()["quotes"][lang]) if allowed is None else allowed
    out = []
    for msg in read(lang) if catalog is None else catalog:
        for form in _forms(msg.string) if msg.id else ():
            marks = {ch for ch in TAG.sub("", form) if ch in QUOTES and ch not in allowed}
            if marks:
                out.append(f"{lang}: quotes {''.join(sorted(marks))} (use {allowed}): {msg.id!r}")
    return out


def letters_not_to_use(lang: str, catalog=None, avoid: str | None = None) -> list[str]:
    """msgstr texts with a letter the language's style leaves out (`[spelling]` of the
    glossary: Russian official texts write «е» for «ё», one way everywhere)."""
    spelling = glossary().get("spelling", {}) if avoid is None else {lang: {"avoid": avoid}}
    avoid = "".join(spelling.get(lang, {}).get("avoid", ""))
    out = []
    for msg in read(lang) if catalog is None else catalog:
        for form in _forms(msg.string) if msg.id and avoid else ():
            if found := sorted({ch for ch in form if ch in avoid}):
                out.append(f"{lang}: {''.join(found)} (docs/glossary.toml [spelling]): {msg.id!r}")
    return out


def review(lang: str) -> list[str]:
    """Everything `check` finds in one catalog (read once, for every check)."""
    catalog = read(lang)
    return (problems(lang, catalog) + msgfmt_errors(lang) + missing_placeholders(lang, catalog)
            + terms_not_to_use(lang, catalog) + foreign_quotes(lang, catalog)
            + letters_not_to_use(lang, catalog))  # fmt: skip


def fill_english() -> None:
    catalog = read("en")
    for msg in catalog:
        if not msg.id:
            continue
        if isinstance(msg.id, tuple):
            msg.string = tuple(msg.id[i] if i < len(msg.id) else msg.id[-1] for i in range(2))
        else:
            msg.string = msg.id
        msg.flags.discard("fuzzy")
    with po_path("en").open("wb") as fh:
        write_po(fh, catalog, width=100, sort_output=True)


def main(argv: list[str]) -> int:
    if argv[:1] == ["fill-english"]:
        fill_english()
        return 0
    if argv[:1] == ["check"]:
        found = [line for lang in LANGUAGES for line in review(lang)]
        print("\n".join(found) or "All catalogs complete and consistent.")
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
