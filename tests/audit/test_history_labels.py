"""The change history speaks the reader's language (issue 19): every audited record, every
field it records and every stored value of an enumeration has a translated label, so no table
name, column name or value as stored ("person_check: request_id", "pending → accepted") reaches
a page."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from portal import templating
from portal.extensions import db


def _audited_columns():
    for mapper in db.Model.registry.mappers:
        model = mapper.class_
        if not getattr(model, "__audited__", False):
            continue
        ignored = getattr(model, "__audit_ignore__", frozenset()) | {"id", "created_at"}
        for attr in mapper.column_attrs:
            if attr.key not in ignored and not getattr(model, "__audit_name_key__", None):
                yield model.__tablename__, attr.key, attr.columns[0].type


def _entry(entity: str, field: str) -> SimpleNamespace:
    return SimpleNamespace(entity=entity, field=field)


def test_every_audited_record_and_field_has_a_label(app):
    unnamed = set()
    for entity, field, _type in _audited_columns():
        if entity not in templating.ENTITY_LABELS:
            unnamed.add(entity)
        if (entity, field) not in templating.RECORD_FIELD_LABELS and field not in templating.FIELD_LABELS:
            unnamed.add(f"{entity}.{field}")
    assert not unnamed, sorted(unnamed)


def test_every_stored_value_of_an_audited_enumeration_has_a_label(app):
    raw = []
    with app.test_request_context("/ru/"), force_locale("ru"):
        for entity, field, kind in _audited_columns():
            values = getattr(kind, "enum_class", None)
            for value in values or ():
                shown = templating.audit_value(value.value, _entry(entity, field))
                if shown == value.value:
                    raw.append(f"{entity}.{field}={value.value}")
    assert not raw, raw


@pytest.mark.parametrize(
    ("entity", "field", "value", "shown"),
    [
        ("document", "status", "accepted", "Документ: Статус · принят"),
        ("person_check", "request_id", None, "Проверка в государственной системе: Запрос в государственную систему · —"),
        ("submission", "outcome", "refused", "Подача документов: Результат · в приеме отказано"),
    ],
)  # fmt: skip
def test_a_history_line_reads_in_russian(app, entity, field, value, shown):
    with app.test_request_context("/ru/"), force_locale("ru"):
        entry = _entry(entity, field)
        assert f"{templating.audit_field(entry)} · {templating.audit_value(value, entry)}" == shown


@pytest.mark.parametrize(
    "stored",
    ['{"employer": "ТОО Каспий", "since": "2026-12-01"}',
     "{'employer': 'ТОО Каспий', 'since': '2026-12-01'}"],  # written before JSON was recorded
)  # fmt: skip
def test_a_recorded_outcome_reads_in_words(app, stored):
    with app.test_request_context("/en/"), force_locale("en"):
        shown = templating.audit_value(stored, _entry("service_case", "outcome"))
    assert shown == "Employer: ТОО Каспий; Employed since: December 1, 2026"


def test_a_structured_value_is_recorded_as_json(app):
    from portal.audit.recorder import _text

    assert _text({"since": "2026-12-01", "employer": "ТОО"}) == '{"employer": "ТОО", "since": "2026-12-01"}'
