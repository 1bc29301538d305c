"""The few htmx helpers the views need (htmx 4 request headers)."""

from __future__ import annotations

from flask import Response, make_response, render_template, request
from jinja2_fragments.flask import render_block


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def is_partial() -> bool:
    """True for an htmx request that wants a fragment rather than a whole page."""
    h = request.headers
    return (
        h.get("HX-Request") == "true"
        and h.get("HX-History-Restore-Request") != "true"
        and h.get("HX-Request-Type", "partial") != "full"
    )


def render(template: str, block: str | None = None, status: int = 200, **context) -> Response:
    """The whole page, or only `block` of the same template for an htmx partial request."""
    if block and is_partial():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    return make_response(body, status)


def hx_redirect(url: str) -> Response:
    """Send the browser to `url`: a full navigation for htmx, a 303 otherwise."""
    if is_htmx():
        resp = make_response("", 204)
        resp.headers["HX-Redirect"] = url
        return resp
    resp = make_response("", 303)
    resp.headers["Location"] = url
    return resp


def add_vary(resp: Response) -> Response:
    resp.vary.add("HX-Request")
    resp.vary.add("HX-Request-Type")
    return resp
