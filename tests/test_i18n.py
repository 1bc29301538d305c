"""Languages: the URL prefix decides; the choice is remembered; catalogs are complete."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.catalogs import LANGUAGES, problems
from portal.extensions import db

pytestmark = pytest.mark.clock("2026-11-25 09:00")

ROOT = Path(__file__).parent.parent


def test_root_redirects_by_accept_language_with_kazakh_by_default(client):
    assert client.get("/").headers["Location"] == "/kk/"
    ru = client.get("/", headers={"Accept-Language": "ru-KZ,ru;q=0.9"})
    assert ru.headers["Location"] == "/ru/"
    assert client.get("/", headers={"Accept-Language": "de"}).headers["Location"] == "/kk/"


def test_unknown_language_prefix_is_404(client):
    assert client.get("/de/login").status_code == 404


def test_login_page_in_three_languages(client):
    pages = {lang: client.get(f"/{lang}/login").text for lang in LANGUAGES}
    assert '<html lang="kk">' in pages["kk"]
    assert "Кіру" in pages["kk"]
    assert '<html lang="ru">' in pages["ru"]
    assert "Войти" in pages["ru"]
    assert '<html lang="en">' in pages["en"]
    assert "Log in" in pages["en"]


def test_the_choice_is_remembered_in_the_session_and_on_the_account(f, login, client):
    client.get("/ru/login")
    assert client.get("/").headers["Location"] == "/ru/"
    staff = f.user("staff", centre=f.centre())
    login(staff, lang="en")
    client.get("/ru/residents")  # a page in another language: the session only, no write
    db.session.expire_all()
    assert staff.locale == "en"
    client.post("/language/ru?next=/en/residents")  # the switcher: the account keeps it
    db.session.expire_all()
    assert staff.locale == "ru"
    client.post("/ru/logout")
    assert client.get("/").headers["Location"] == "/ru/"


def test_a_link_to_the_switcher_changes_nothing_stored(f, login):
    """`GET /language/<code>` (an old bookmark, a link on another site) leads to the page in
    that language; only the switcher's POST, with its token, stores a choice."""
    staff = f.user("staff", centre=f.centre())
    client = login(staff, lang="en")
    resp = client.get("/language/ru?next=/en/residents")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/ru/residents"
    db.session.expire_all()
    assert staff.locale == "en"
    with client.session_transaction() as session:
        assert session["lang"] == "en"


def test_the_switch_is_a_post_with_its_csrf_token(f, app, login):
    app.config["WTF_CSRF_ENABLED"] = True
    staff = f.user("staff", centre=f.centre())
    client = app.test_client()
    page = client.get("/en/login").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post(
        "/en/login", data={"username": staff.username, "password": f.PASSWORD, "csrf_token": token}
    )
    html = client.get("/en/residents").text
    switcher = html.split('<nav class="languages"', 1)[1].split("</nav>", 1)[0]
    token = switcher.split('name="csrf_token" value="')[1].split('"')[0]

    refused = client.post("/language/kk?next=/en/residents")
    assert refused.status_code == 400
    db.session.expire_all()
    assert staff.locale == "en"

    resp = client.post("/language/kk?next=/en/residents", data={"csrf_token": token})
    assert resp.headers["Location"] == "/kk/residents"
    db.session.expire_all()
    assert staff.locale == "kk"


def test_no_request_hook_writes_to_the_database(f, login):
    """A plain page, even in another language than the account's, commits nothing."""
    staff = f.user("staff", centre=f.centre())
    client = login(staff, lang="en")
    commits = []

    def count(session):
        commits.append(session)

    event.listen(Session, "after_commit", count)
    try:
        assert client.get("/ru/residents").status_code == 200
        assert client.get("/kk/centres").status_code == 200
    finally:
        event.remove(Session, "after_commit", count)
    assert commits == []


def test_links_keep_the_language_and_the_switcher_keeps_the_page(f, login):
    centre = f.centre()
    staff = f.user("staff", centre=centre)
    client = login(staff, lang="ru")
    html = client.get("/ru/residents?q=abc").text
    assert 'href="/ru/families/new"' in html
    switcher = html.split('<nav class="languages"', 1)[1].split("</nav>", 1)[0]
    assert '<form method="post" action="/language/kk?next=/ru/residents?q%3Dabc">' in switcher
    assert '<button type="submit" lang="kk">Қазақша</button>' in switcher
    assert '<span aria-current="true" lang="ru">Русский</span>' in switcher
    resp = client.post("/language/kk?next=/ru/residents?q%3Dabc")
    assert resp.headers["Location"] == "/kk/residents?q=abc"
    # the page as the browser shows it (after an htmx search pushed a new URL) wins
    resp = client.post(
        "/language/en?next=/ru/residents",
        headers={"Referer": "http://localhost/ru/residents?q=xyz"},
    )
    assert resp.headers["Location"] == "/en/residents?q=xyz"
    db.session.expire_all()
    assert staff.locale == "en"
    # never off the site
    resp = client.post(
        "/language/en?next=https://evil.example/ru/x",
        headers={"Referer": "https://evil.example/ru/"},
    )
    assert resp.headers["Location"] == "/en/"
    # a page that a refused form rendered at its POST address: the language's home page
    resp = client.post(
        "/language/kk?next=/ru/calendar/sessions/1/move",
        headers={"Referer": "http://localhost/ru/calendar/sessions/1/move"},
    )
    assert resp.headers["Location"] == "/kk/"


def test_dates_are_formatted_for_the_locale(app):
    from flask_babel import force_locale

    from portal.templating import date_filter

    with app.test_request_context("/"):
        with force_locale("ru"):
            assert date_filter(date(2026, 3, 22), "long") == "22 марта 2026\u202fг."
        with force_locale("kk"):
            assert "наурыз" in date_filter(date(2026, 3, 22), "long")
        with force_locale("en"):
            assert date_filter(date(2026, 3, 22), "long") == "March 22, 2026"


def test_remembered_dates_are_what_flask_babel_prints(app):
    """`date_filter` keeps babel's answers per value, pattern, locale and zone: the same text
    as flask-babel's own functions, in every language, for days, aware and naive moments."""
    from datetime import UTC, datetime

    from flask_babel import force_locale, format_date, format_datetime

    from portal.templating import date_filter

    values = [date(2026, 3, 22), datetime(2026, 3, 22, 23, 5, tzinfo=UTC),
              datetime(2026, 12, 31, 20, 5)]  # fmt: skip
    with app.test_request_context("/"):
        for code in LANGUAGES:
            with force_locale(code):
                for value in values:
                    moment = isinstance(value, datetime)
                    patterns = ("short", "medium", "long", "full", "EEEE, d MMMM")
                    for fmt in patterns + (("HH:mm",) if moment else ()):
                        stock = format_datetime if moment else format_date
                        assert date_filter(value, fmt) == stock(value, fmt), (code, value, fmt)


def test_messages_follow_the_locale_within_one_request(app):
    """The translations kept for a request's locale (portal.i18n.KeptDomain) give way to
    `force_locale` (an e-mail in its recipient's language) and come back after it."""
    from flask import render_template_string
    from flask_babel import force_locale, gettext

    page = "{{ _('Residents') }}|{{ ngettext('%(num)s person found', '%(num)s persons found', 2) }}"
    with app.test_request_context("/en/residents"):
        app.preprocess_request()
        assert render_template_string(page) == "Residents|2 persons found"
        with force_locale("ru"):
            assert render_template_string(page) == "Проживающие|Найдено: 2 человека"
            assert gettext("Residents") == "Проживающие"
        assert render_template_string(page) == "Residents|2 persons found"
        assert gettext("Residents") == "Residents"
        with force_locale("kk"):
            assert gettext("Residents") == render_template_string("{{ _('Residents') }}")
            assert gettext("Residents") != "Residents"


def test_template_messages_are_formatted_as_jinja_formats_them(app):
    """No arguments and no "%": the message as it is; otherwise formatted and escaped as
    Jinja's new-style gettext does."""
    from flask import render_template_string

    with app.test_request_context("/en/"):
        app.preprocess_request()
        assert render_template_string("{{ _('100%% sure') }}") == "100% sure"
        assert render_template_string("{{ _('Hi %(n)s', n='<b>') }}") == "Hi &lt;b&gt;"


def test_every_catalog_is_complete_with_no_fuzzy_entry():
    found = [line for lang in LANGUAGES for line in problems(lang)]
    assert found == []


def test_catalogs_hold_every_message_the_code_uses(tmp_path):
    """A fresh extraction has no message that the catalogs lack (run `make catalog`)."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."],
        cwd=ROOT, check=True,
    )  # fmt: skip
    with pot.open("rb") as fh:
        wanted = {m.id for m in read_po(fh) if m.id}
    for lang in LANGUAGES:
        path = ROOT / "portal" / "translations" / lang / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as fh:
            have = {m.id for m in read_po(fh) if m.id}
        assert wanted - have == set(), lang
