"""The POST forms of a page, parsed from its HTML: what a test would fill in and send."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser


@dataclass
class Form:
    action: str
    fields: list[tuple[str, str, str]]  # (kind, name, value): hidden/text/date/textarea/file
    choices: dict[str, list[str]]  # radios and selects: name → options


class _Forms(HTMLParser):
    """The POST forms inside <main>, with their fields and the options of each choice."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._main = 0
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "main":
            self._main += 1
        elif not self._main:
            return
        if tag == "form" and a.get("method", "").lower() == "post":
            self._form = Form(a.get("action") or "", [], {})
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind == "radio":
                self._form.choices.setdefault(a["name"], []).append(a.get("value", ""))
            elif kind != "submit":
                self._form.fields.append((kind, a["name"], a.get("value") or ""))
        elif tag == "select":
            self._select = a.get("name")
            self._form.choices.setdefault(self._select, [])
        elif tag == "option" and self._select:
            self._form.choices[self._select].append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = a.get("name")
            self._form.fields.append(("textarea", self._textarea, ""))

    def handle_endtag(self, tag):
        if tag == "main":
            self._main -= 1
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_on(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms
