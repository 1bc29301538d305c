"""No English on a Kazakh or Russian page (issue 19). The demo is loaded and, as each role in
kk and ru, the pages reachable by links are read for English: the text of any English message
(what a string missed by the catalogs, or a label the code forgot to translate, would show) and
names as stored (`person_check`, `request_id`). Runs once, on SQLite."""

from __future__ import annotations

import html
import re

import pytest
from babel.messages.pofile import read_po

from portal.catalogs import po_path
from portal.demo import DEMO_PASSWORD

pytestmark = pytest.mark.once

ROLES = ("staff.aktau", "resident1", "coordinator", "admin")
PAGES_PER_ROLE = 40
SKIPPED = ("logout", "export", ".pdf", ".ics", "/file", "/scan", "/calendar/")
MARKUP = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S | re.I)
STORED_NAME = re.compile(r"(?<![\w.@/-])[a-z]+_[a-z_]+(?![\w.@/-])")


def _english_phrases() -> set[str]:
    """Every run of two or more words of an English message, between its placeholders."""
    phrases = set()
    with po_path("en").open("rb") as fh:
        for message in read_po(fh):
            for msgid in [message.id] if isinstance(message.id, str) else message.id:
                for part in re.split(r"%\(\w+\)[sd]|<[^>]+>", msgid or ""):
                    part = part.strip(" .,:;()·—?!")
                    if len(part.split()) >= 2 and re.search("[a-z]", part):
                        phrases.add(part)
    return phrases


def _text(page: str) -> str:
    return " ".join(html.unescape(MARKUP.sub(" ", page)).split())


def _crawl(client, lang: str, start: str):
    seen, todo = set(), [start]
    while todo and len(seen) < PAGES_PER_ROLE:
        url = todo.pop(0)
        if url in seen:
            continue
        seen.add(url)
        resp = client.get(url, follow_redirects=True)
        if resp.status_code != 200 or "text/html" not in resp.content_type:
            continue
        page = resp.get_data(as_text=True)
        todo += [html.unescape(h) for h in re.findall(rf'href="(/{lang}/[^"#]*)"', page)
                 if not any(s in h for s in SKIPPED)]  # fmt: skip
        yield url, _text(page)


def test_no_page_of_the_demo_shows_english_in_kazakh_or_russian(app):
    assert app.test_cli_runner().invoke(args=["demo-data", "--if-empty"]).exit_code == 0
    phrases = _english_phrases()
    found = []
    for login in ROLES:
        for lang in ("kk", "ru"):
            client = app.test_client()
            signed_in = client.post(f"/{lang}/login", data={"username": login, "password": DEMO_PASSWORD})
            assert signed_in.status_code == 302, login
            read = 0
            for url, text in _crawl(client, lang, signed_in.headers["Location"]):
                read += 1
                found += [f"{login} {url}: {p!r}" for p in phrases if p in text]
                found += [f"{login} {url}: {m!r}" for m in STORED_NAME.findall(text)]
            assert read >= 5, (login, lang, read)
    assert not found, found[:20]
