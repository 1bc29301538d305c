"""Adapters for the two state systems, spoken over HTTP JSON.

- the "Individuals" state database (R7, R19): does this person already have an IIN?
- the MIA "Migration police" system: name verification (R18), IIN generation (R10, R22) and
  notices of changed personal data (R10, R22).

The contract (the simulator in `simulator/` answers exactly this):

    POST {individuals}/v1/persons/search     {request_id, surname, given_name, patronymic,
                                               birth_date, sex, document_number}
                                             → {"found": bool, "iin": str | null}
    POST {mia}/v1/name-verifications         {request_id, surname, given_name, patronymic,
                                               birth_date}
                                             → {"verified": bool, "remark": str | null}
    POST {mia}/v1/iins                       {request_id, surname, given_name, patronymic,
                                               birth_date, sex, citizenship}
                                             → {"iin": str}
    POST {mia}/v1/change-notices             {request_id, iin, changes: {field: [old, new]}}
                                             → {"accepted": true, "reference": str}

`request_id` is the outbox message's key: both systems answer a repeated request_id with their
first answer, so a retry after a lost reply never generates a second IIN. Anything but a 2xx
answer with the expected JSON is a `GatewayError`; the outbox retries it with backoff.

The base URLs come from `PORTAL_INDIVIDUALS_URL` and `PORTAL_MIGRATION_POLICE_URL` (app config
first, then the environment), the time-out from `PORTAL_INTEGRATIONS_TIMEOUT` (seconds).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from flask import current_app, has_app_context

from portal.integrations.models import MessageKind

DEFAULT_INDIVIDUALS_URL = "http://127.0.0.1:8001/individuals"
DEFAULT_MIGRATION_POLICE_URL = "http://127.0.0.1:8001/mia"
DEFAULT_TIMEOUT_SECONDS = 10.0


def setting(name: str, default: Any, cast: Callable[[Any], Any] = str) -> Any:
    """A setting from the app config, else from the environment variable of the same name."""
    value = current_app.config.get(name) if has_app_context() else None
    if value is None:
        value = os.environ.get(name)
    if value is None or value == "":
        return default
    return cast(value)


class GatewayError(Exception):
    """A request that did not get a usable answer: retried later by the outbox.

    `retryable` is False for a 4xx other than 408/429: the request itself is wrong, so retries
    will not help (they still happen, and the message ends FAILED after the last attempt).
    """

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = True):
        super().__init__(message)
        self.status = status
        self.retryable = retryable


class Message(Protocol):
    """What a gateway needs of an outbox message (an `OutboxMessage` or a claimed copy)."""

    kind: MessageKind
    key: str
    payload: dict


class Gateway(Protocol):
    def send(self, message: Message) -> dict:
        """Send one message and return the system's answer; raise GatewayError on failure."""
        ...


@dataclass(frozen=True)
class Endpoint:
    url_setting: str
    default_url: str
    path: str
    fields: tuple[str, ...]  # the request body's fields besides request_id
    answer: dict[str, tuple[type, ...]]  # the answer's required fields and their types


_PERSON = ("surname", "given_name", "patronymic", "birth_date")

ENDPOINTS: dict[MessageKind, Endpoint] = {
    MessageKind.IIN_LOOKUP: Endpoint(
        "PORTAL_INDIVIDUALS_URL",
        DEFAULT_INDIVIDUALS_URL,
        "/v1/persons/search",
        (*_PERSON, "sex", "document_number"),
        {"found": (bool,), "iin": (str, type(None))},
    ),
    MessageKind.NAME_VERIFICATION: Endpoint(
        "PORTAL_MIGRATION_POLICE_URL",
        DEFAULT_MIGRATION_POLICE_URL,
        "/v1/name-verifications",
        _PERSON,
        {"verified": (bool,), "remark": (str, type(None))},
    ),
    MessageKind.IIN_GENERATION: Endpoint(
        "PORTAL_MIGRATION_POLICE_URL",
        DEFAULT_MIGRATION_POLICE_URL,
        "/v1/iins",
        (*_PERSON, "sex", "citizenship"),
        {"iin": (str,)},
    ),
    MessageKind.CHANGE_NOTICE: Endpoint(
        "PORTAL_MIGRATION_POLICE_URL",
        DEFAULT_MIGRATION_POLICE_URL,
        "/v1/change-notices",
        ("iin", "changes"),
        {"accepted": (bool,), "reference": (str,)},
    ),
}


def endpoint_url(kind: MessageKind) -> str:
    endpoint = ENDPOINTS[MessageKind(kind)]
    base = setting(endpoint.url_setting, endpoint.default_url)
    return base.rstrip("/") + endpoint.path


def request_body(message: Message) -> dict:
    """The stored payload plus the idempotency key; fields the endpoint does not take (the
    portal's own `person_id`, say) are left out, missing optional ones are sent as null."""
    endpoint = ENDPOINTS[MessageKind(message.kind)]
    body = {name: message.payload.get(name) for name in endpoint.fields}
    body["request_id"] = message.key
    return body


def check_answer(kind: MessageKind, answer: Any) -> dict:
    """The answer as a dict, or GatewayError when it does not follow the contract."""
    endpoint = ENDPOINTS[MessageKind(kind)]
    if not isinstance(answer, dict):
        raise GatewayError(f"{kind}: the answer is not a JSON object")
    for name, types in endpoint.answer.items():
        if name not in answer or not isinstance(answer[name], types):
            raise GatewayError(f"{kind}: the answer has no valid {name!r}")
    return answer


def _excerpt(response: httpx.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return text[:200]


class HttpGateway:
    """The real adapters: one JSON POST per message, to the endpoint of its kind.

    Use it as a context manager (or call `close()`) so that its connections are reused across
    a batch and released afterwards.
    """

    def __init__(self, client: httpx.Client | None = None, timeout: float | None = None):
        if timeout is None:
            timeout = setting("PORTAL_INTEGRATIONS_TIMEOUT", DEFAULT_TIMEOUT_SECONDS, float)
        self._client = client or httpx.Client(
            timeout=timeout, headers={"User-Agent": "kandas-portal"}
        )

    def __enter__(self) -> HttpGateway:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def send(self, message: Message) -> dict:
        kind = MessageKind(message.kind)
        url = endpoint_url(kind)
        try:
            response = self._client.post(url, json=request_body(message))
        except httpx.TimeoutException as e:
            raise GatewayError(f"POST {url}: timed out ({type(e).__name__})") from e
        except httpx.HTTPError as e:
            raise GatewayError(f"POST {url}: {type(e).__name__}: {e}") from e
        if not response.is_success:
            status = response.status_code
            retryable = not (400 <= status < 500) or status in (408, 429)
            raise GatewayError(
                f"POST {url}: HTTP {status} {_excerpt(response)}",
                status=status,
                retryable=retryable,
            )
        try:
            answer = response.json()
        except ValueError as e:
            raise GatewayError(f"POST {url}: the answer is not JSON: {_excerpt(response)}") from e
        return check_answer(kind, answer)
