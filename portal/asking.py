"""Actions that ask first (issue 17): removing or cancelling anything takes two steps, so that
a slip of the finger changes nothing.

The page shows the action as a small GET form (`ask_button` in `macros/ui.html`) inside a slot
with an id. Its address answers with the question: what will be done and what follows from it
(who moves up from the waiting list …), a button that POSTs the action with `confirmed=1`, and
"Keep" — for htmx a fragment that takes the slot's place, otherwise a page of its own, so that
it works without JavaScript too. "Keep" takes the slot back from the page itself (`hx-select`),
so the button is written in one place only. A POST without `confirmed=1` does nothing and goes
to the question.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Response, render_template, request

from portal.htmx import hx_redirect, is_partial


@dataclass(frozen=True)
class Question:
    slot: str  # the id of the element the question takes the place of
    url: str  # the action's: GET reads the question, POST with confirmed=1 does it
    back_url: str  # the page the action is on
    title: str  # the question, e.g. "Cancel the enrolment of … in …?"
    confirm_label: str  # the second button, e.g. "Yes, cancel the enrolment"
    consequences: list[str] = field(default_factory=list)  # what follows from it


def ask(question: Question, status: int = 200) -> Response:
    """The question in place of the button (htmx), or on a page of its own."""
    if is_partial():
        body = render_template("asking/_question.html", q=question)
    else:
        body = render_template("asking/page.html", q=question)
    return Response(body, status)


def confirmed() -> bool:
    """Whether the POST is the answer to the question (its second button)."""
    return request.form.get("confirmed") == "1"


def not_confirmed(ask_url: str) -> Response:
    """A POST that did not come from the question: nothing is done; the question is shown."""
    return hx_redirect(ask_url)
