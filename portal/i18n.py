"""Language: the URL prefix `/<lang>/…` decides; the user's saved choice and the browser's
Accept-Language only pick where `/` and the log-in redirect go.

Opening a page in another language remembers it in the session (a cookie, no database
write); the switcher (a POST to `/language/<code>` with the form's CSRF token) is the deliberate
choice, and a signed-in user's account keeps it for their next log-in and their calendar feed.
A GET of that address (an old bookmark, a link from elsewhere) only leads to the page in that
language and stores nothing: a link cannot change an account. No request hook writes to the
database: a view commits at most once, itself.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, current_app, g, redirect, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from portal.config import DEFAULT_LANGUAGE, LANGUAGES

LANG_PREFIX = "/<any(kk,ru,en):lang>"
_PREFIXED = re.compile(r"^/(?:kk|ru|en)(?=/|\?|$)(.*)$")
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


def preferred_language() -> str:
    """The language for a request whose URL names none."""
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def select_locale() -> str:
    if g.get("lang"):
        return g.lang
    if not request:  # a CLI command or a test body: the configured default
        return current_app.config.get("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    # A URL that matched no route (a 404) still speaks the language its prefix names.
    prefix = request.path.strip("/").split("/", 1)[0]
    return prefix if prefix in LANGUAGES else preferred_language()


def _remember_language() -> None:
    lang = g.get("lang")
    if lang and session.get("lang") != lang:
        session["lang"] = lang


def local_path(url: str | None) -> str | None:
    """The path and query of a URL on this site, or None for anything else."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    if parts.scheme not in ("", "http", "https") or not parts.path.startswith("/"):
        return None
    if parts.path.startswith("//"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def with_language(path: str, lang: str) -> str:
    """The same path under another language prefix (the home page for other paths)."""
    match = _PREFIXED.match(path)
    if not match:
        return f"/{lang}/"
    rest = match.group(1)
    return f"/{lang}{rest if rest.startswith('/') else '/' + rest}"


def switch_language_url(lang: str) -> str:
    """Where the switcher's form posts: the page the person is on rides along as `next`."""
    return url_for("main.switch_language", code=lang, next=request.full_path.rstrip("?"))


def _opens_with_get(path: str) -> bool:
    """Whether a GET of this local path reaches a page (a refused form's POST address does not)."""
    adapter = current_app.url_map.bind("localhost")
    try:
        adapter.match(urlsplit(path).path, method="GET")
    except RequestRedirect:
        return True
    except HTTPException:
        return False
    return True


def _target(lang: str) -> str:
    """The page the person is on, in `lang`: the Referer names it as the browser shows it
    (including a search that htmx pushed into the address bar after the page, and its `next`,
    were rendered); `next` when there is no Referer; the language's home page otherwise."""
    for candidate in (local_path(request.referrer), local_path(request.values.get("next"))):
        if candidate and _opens_with_get(target := with_language(candidate, lang)):
            return target
    return f"/{lang}/"


def switch_language(code: str):
    """POST: remember the language (the session, and the account of a signed-in user) and
    reopen the current page in it. GET: only lead to the page in that language."""
    if request.method == "POST":
        session["lang"] = code
        if current_user.is_authenticated and current_user.locale != code:
            from portal.extensions import db

            current_user.locale = code
            db.session.commit()
    return redirect(_target(code))


def init_app(app: Flask) -> None:
    @app.url_value_preprocessor
    def _pull_lang(endpoint, values):
        if values and "lang" in values:
            g.lang = values.pop("lang")

    @app.url_defaults
    def _add_lang(endpoint, values):
        if "lang" not in values and current_app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values["lang"] = g.get("lang") or str(get_locale())

    app.before_request(_remember_language)
    app.jinja_env.globals.update(
        get_locale=get_locale,
        LANGUAGES=LANGUAGES,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        switch_language_url=switch_language_url,
    )
