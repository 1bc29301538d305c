"""With CSRF protection on, as in production: hidden inputs for plain forms, and the
X-CSRFToken header that <body hx-headers:inherited> gives every htmx request."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accommodation.models import BedInService
from portal.clock import today
from portal.extensions import db
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _bed_item(page, bed_id: int):
    return page.locator(f'li.bed:has(form[action$="/beds/{bed_id}/service"])')


def _body_token(page) -> str:
    """The token <body> gives htmx requests; it is signed afresh on every page render."""
    headers = json.loads(page.locator("body").get_attribute("hx-headers:inherited"))
    return headers["X-CSRFToken"]


def _in_service(bed_id: int) -> bool:
    db.session.rollback()
    return (
        db.session.scalar(
            select(BedInService.id).where(
                BedInService.bed_id == bed_id, BedInService.end_on.is_(None)
            )
        )
        is not None
    )


def test_htmx_post_carries_the_csrf_token(app, page, live_server, staffed_centre, tr):
    app.config["WTF_CSRF_ENABLED"] = True
    centre, room, staff = staffed_centre
    bed_ids = [b.id for b in sorted(room.beds, key=lambda b: b.label)]
    base = live_server

    # The log-in form posts its hidden csrf_token.
    page.goto(f"{base}/kk/login")
    expect(page.locator('#main form input[name="csrf_token"]')).to_have_attribute(
        "value", re.compile(r".{20,}")
    )
    log_in(page, base, staff, lang="kk")

    page.goto(f"{base}/kk/centres/{centre.id}/rooms")
    expect(page.locator("li.bed.free")).to_have_count(4)
    token = _body_token(page)
    assert token

    # Control: the same POST without any token is refused (400), and nothing changes.
    refused = page.request.post(
        f"{base}/kk/beds/{bed_ids[0]}/service",
        form={"action": "out", "on": today().isoformat()},
        max_redirects=0,
    )
    assert refused.status == 400
    assert _in_service(bed_ids[0])

    # 1. An htmx POST from a form that has both the hidden input and the header.
    with page.expect_response(lambda r: f"/beds/{bed_ids[0]}/service" in r.url) as answer:
        _bed_item(page, bed_ids[0]).locator("button").click()
    response = answer.value
    assert response.request.method == "POST"
    assert response.request.headers.get("hx-request") == "true"
    assert response.request.headers.get("x-csrftoken") == token
    assert response.status == 204
    assert response.headers.get("hx-redirect") == f"/kk/centres/{centre.id}/rooms"
    # HX-Redirect makes a full navigation back to the rooms page, which shows the change.
    expect(_bed_item(page, bed_ids[0])).to_have_class(re.compile(r"\bclosed\b"))
    expect(page.locator("#messages .notice-success")).to_have_text(
        tr("kk", "The bed has been updated.")
    )
    expect(_bed_item(page, bed_ids[0]).locator("button")).to_have_text(
        tr("kk", "Return to service today")
    )
    assert not _in_service(bed_ids[0])

    # 2. The header alone is enough: drop the form's hidden input before clicking.
    item = _bed_item(page, bed_ids[1])
    expect(item).to_have_class(re.compile(r"\bfree\b"))
    token = _body_token(page)  # the page was reloaded: read this render's token
    item.locator('input[name="csrf_token"]').evaluate("el => el.remove()")
    expect(item.locator('input[name="csrf_token"]')).to_have_count(0)
    with page.expect_request(lambda r: f"/beds/{bed_ids[1]}/service" in r.url) as sent:
        item.locator("button").click()
    request = sent.value
    assert request.headers.get("x-csrftoken") == token
    assert "csrf_token=" not in (request.post_data or "")
    assert request.response().status == 204
    expect(_bed_item(page, bed_ids[1])).to_have_class(re.compile(r"\bclosed\b"))
    assert not _in_service(bed_ids[1])

    expect(page.locator("li.bed.free")).to_have_count(2)
    expect(page.locator("li.bed.closed")).to_have_count(2)
    expect(page.locator(".error-summary, .notice-error")).to_have_count(0)

    # The dashboard counts the remaining beds.
    page.goto(f"{base}/kk/centres/{centre.id}")
    expect(page.locator("#beds-free")).to_have_text("2")
