"""The simulator answers the contract of portal/integrations/clients.py, as the systems would."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from portal import iin as iin_rules
from portal.integrations.clients import GatewayError, HttpGateway
from portal.integrations.models import MessageKind
from portal.integrations.outbox import Claim


def person(**kw) -> dict:
    data = {
        "surname": "Қасымов",
        "given_name": "Нұрлан",
        "patronymic": "Серікұлы",
        "birth_date": "1985-03-14",
        "sex": "M",
        "citizenship": "CN",
        "document_number": None,
    }
    data.update(kw)
    return data


_http = httpx.Client(timeout=5)


def post(simulator, path: str, body: dict) -> httpx.Response:
    return _http.post(simulator.url + path, json=body)


def claim(kind: MessageKind, key: str, payload: dict) -> Claim:
    return Claim(id=0, kind=kind, key=key, payload=payload, attempts=0)


@pytest.mark.parametrize(
    ("born", "sex", "century_digit"),
    [(date(1985, 3, 14), "M", "3"), (date(1987, 6, 2), "F", "4"), (date(2012, 1, 5), "F", "6")],
)
def test_r10_generated_iin_is_valid_and_matches_birth_date_and_sex(
    simulator, born, sex, century_digit
):
    resp = post(
        simulator,
        "/mia/v1/iins",
        {"request_id": f"gen-{sex}-{born}", **person(birth_date=born.isoformat(), sex=sex)},
    )
    assert resp.status_code == 200
    iin = iin_rules.parse(resp.json()["iin"])
    assert (iin.birth_date, iin.sex) == (born, sex)
    assert iin.value[6] == century_digit


def test_r10_generated_iins_are_unique(simulator):
    iins = {
        post(simulator, "/mia/v1/iins", {"request_id": f"twin-{i}", **person()}).json()["iin"]
        for i in range(50)
    }
    assert len(iins) == 50


def test_r7_search_finds_the_iin_generated_earlier(simulator):
    body = person(surname="Жұмабаева", given_name="Айгүл", birth_date="1990-07-21", sex="F")
    before = post(simulator, "/individuals/v1/persons/search", {"request_id": "s1", **body})
    assert before.json() == {"found": False, "iin": None}

    iin = post(simulator, "/mia/v1/iins", {"request_id": "g1", **body}).json()["iin"]

    # Spelled with other case and spacing: the Individuals database normalises names.
    again = person(surname=" ЖҰМАБАЕВА ", given_name="айгүл", birth_date="1990-07-21", sex="F")
    after = post(simulator, "/individuals/v1/persons/search", {"request_id": "s2", **again})
    assert after.json() == {"found": True, "iin": iin}


def test_r7_search_finds_a_known_person_by_document_number(simulator):
    known = iin_rules.make(date(1970, 1, 2), "M", 77)
    simulator.add_person(known, "Сейітов", "Бақыт", date(1970, 1, 2), "M", document_number="E1234")
    # Another spelling of the name, but the same identity document.
    body = person(
        surname="Seitov", given_name="Bakyt", birth_date="1970-01-02", document_number="e1234"
    )
    resp = post(simulator, "/individuals/v1/persons/search", {"request_id": "doc", **body})
    assert resp.json() == {"found": True, "iin": known}


def test_r18_names_with_latin_letters_or_digits_are_not_verified(simulator):
    ok = post(simulator, "/mia/v1/name-verifications", {"request_id": "n1", **person()})
    assert ok.json() == {"verified": True, "remark": None}

    latin = post(
        simulator, "/mia/v1/name-verifications", {"request_id": "n2", **person(surname="Kasymov")}
    )
    digit = post(
        simulator,
        "/mia/v1/name-verifications",
        {"request_id": "n3", **person(given_name="Нұрлан2")},
    )
    for resp in (latin, digit):
        assert resp.status_code == 200
        assert resp.json()["verified"] is False
        assert resp.json()["remark"]


def test_r10_change_notice_is_accepted_with_a_reference(simulator):
    iin = post(simulator, "/mia/v1/iins", {"request_id": "g", **person()}).json()["iin"]
    body = {"request_id": "c1", "iin": iin, "changes": {"surname": ["Қасымов", "Қасым"]}}
    resp = post(simulator, "/mia/v1/change-notices", body)
    assert resp.status_code == 200
    assert resp.json()["accepted"] is True
    assert resp.json()["reference"]
    assert simulator.persons()[0]["surname"] == "Қасым"


def test_a_repeated_request_id_gets_the_first_answer(simulator):
    first = post(simulator, "/mia/v1/iins", {"request_id": "same", **person()}).json()
    # Even with other data: the key identifies the request.
    again = post(
        simulator, "/mia/v1/iins", {"request_id": "same", **person(birth_date="2001-01-01")}
    ).json()
    assert again == first
    assert len(simulator.persons()) == 1
    assert simulator.counts()["same"] == 2


def test_a_request_id_used_on_another_endpoint_is_a_conflict(simulator):
    post(simulator, "/mia/v1/iins", {"request_id": "k", **person()})
    resp = post(simulator, "/mia/v1/name-verifications", {"request_id": "k", **person()})
    assert resp.status_code == 409


@pytest.mark.parametrize(
    "body",
    [
        {"surname": "Қасымов"},
        {"request_id": "x", **person(birth_date="14.03.1985")},
        {"request_id": "x", **person(sex="male")},
        {"request_id": "x", **person(surname="")},
    ],
)
def test_an_invalid_request_is_refused_with_400(simulator, body):
    assert post(simulator, "/mia/v1/iins", body).status_code == 400


def test_failure_rate_answers_503_and_every_request_is_logged(simulator):
    simulator.set(failure_rate=1.0)
    resp = post(simulator, "/mia/v1/iins", {"request_id": "down", **person()})
    assert resp.status_code == 503
    simulator.set(failure_rate=0.0)
    assert post(simulator, "/mia/v1/iins", {"request_id": "down", **person()}).status_code == 200
    assert simulator.requests() == [{"endpoint": "/mia/v1/iins", "request_id": "down", "count": 2}]


def test_control_endpoints(simulator):
    known = iin_rules.make(date(1999, 9, 9), "F", 5)
    seeded = httpx.post(
        simulator.url + "/_sim/persons",
        json={
            "iin": known,
            "surname": "Әлиева",
            "given_name": "Дана",
            "birth_date": "1999-09-09",
            "sex": "F",
        },
    )
    assert seeded.status_code == 201
    wrong = httpx.post(
        simulator.url + "/_sim/persons",
        json={
            "iin": known,
            "surname": "Әлиева",
            "given_name": "Дана",
            "birth_date": "1999-09-10",
            "sex": "F",
        },
    )
    assert wrong.status_code == 400

    config = httpx.post(simulator.url + "/_sim/config", json={"latency_ms": 5}).json()
    assert config["latency_ms"] == 5
    post(simulator, "/individuals/v1/persons/search", {"request_id": "r", **person()})
    log = httpx.get(simulator.url + "/_sim/requests").json()["requests"]
    assert log == [{"endpoint": "/individuals/v1/persons/search", "request_id": "r", "count": 1}]

    assert httpx.post(simulator.url + "/_sim/reset").status_code == 200
    assert httpx.get(simulator.url + "/_sim/requests").json() == {"requests": []}
    assert httpx.get(simulator.url + "/_sim/persons").json() == {"persons": []}
    assert httpx.get(simulator.url + "/_sim/health").json()["latency_ms"] == 0


def test_gateway_speaks_the_contract(app, state_systems):
    payload = person(person_id=42)
    with HttpGateway() as gateway:
        generated = gateway.send(claim(MessageKind.IIN_GENERATION, "k-gen", payload))
        found = gateway.send(claim(MessageKind.IIN_LOOKUP, "k-look", payload))
        verified = gateway.send(claim(MessageKind.NAME_VERIFICATION, "k-name", payload))
        notice = gateway.send(
            claim(
                MessageKind.CHANGE_NOTICE,
                "k-cn",
                {"person_id": 42, "iin": generated["iin"], "changes": {"patronymic": [None, "Б"]}},
            )
        )
    assert found == {"found": True, "iin": generated["iin"]}
    assert verified == {"verified": True, "remark": None}
    assert notice["accepted"] is True
    assert {r["request_id"] for r in state_systems.requests()} == {
        "k-gen",
        "k-look",
        "k-name",
        "k-cn",
    }


def test_the_idempotency_key_makes_a_repeated_send_return_the_first_iin(app, state_systems):
    with HttpGateway() as gateway:
        first = gateway.send(claim(MessageKind.IIN_GENERATION, "once", person()))
        second = gateway.send(claim(MessageKind.IIN_GENERATION, "once", person()))
    assert first == second
    assert len(state_systems.persons()) == 1


def test_gateway_errors(app, state_systems):
    with HttpGateway() as gateway:
        with pytest.raises(GatewayError) as bad:
            gateway.send(claim(MessageKind.IIN_GENERATION, "bad", person(sex=None)))
        assert (bad.value.status, bad.value.retryable) == (400, False)

        state_systems.set(failure_rate=1.0)
        with pytest.raises(GatewayError) as down:
            gateway.send(claim(MessageKind.IIN_GENERATION, "down", person()))
        assert (down.value.status, down.value.retryable) == (503, True)

    state_systems.stop()
    with HttpGateway() as gateway, pytest.raises(GatewayError) as refused:
        gateway.send(claim(MessageKind.IIN_GENERATION, "refused", person()))
    assert refused.value.status is None
    assert refused.value.retryable
