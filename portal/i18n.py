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
from flask_babel import Domain, get_locale
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup
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


class KeptDomain(Domain):
    """Flask-Babel's message domain, its translations kept for the request's locale: the stock
    look-up (the context, the locale, its identifier as the cache's key: ~6 µs) runs once per
    request and locale, not for each of a page's ~75 messages. `force_locale` (an e-mail in
    its recipient's language) sets another locale object, which is looked up afresh."""

    def get_translations(self):
        try:
            ctx = g._flask_babel
        except (AttributeError, RuntimeError):  # before Flask-Babel's first look, or no app
            return super().get_translations()
        locale = getattr(ctx, "babel_locale", None)
        kept = getattr(ctx, "kept_translations", None)
        if kept is not None and locale is not None and kept[0] is locale:
            return kept[1]
        found = super().get_translations()
        ctx.kept_translations = (getattr(ctx, "babel_locale", None), found)
        return found


# The portal's one domain (it sets no other as a request's default), so that the templates'
# messages go to it without `get_domain`'s look-ups.
DOMAIN = KeptDomain()


# Jinja's "new style" gettext (as `install_gettext_callables(newstyle=True)` makes them), less
# its indirections: a message without a placeholder or "%" is returned as it is, which is what
# formatting it with no arguments gives.


def _formatted(context, text: str, variables: dict) -> str:
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables if variables or "%" in text else text


@pass_context
def _gettext(__context, __string: str, **variables) -> str:
    return _formatted(__context, DOMAIN.get_translations().ugettext(__string), variables)


@pass_context
def _ngettext(__context, __singular: str, __plural: str, __num: int, **variables) -> str:
    variables.setdefault("num", __num)
    text = DOMAIN.get_translations().ungettext(__singular, __plural, __num)
    return _formatted(__context, text, variables)


def init_app(app: Flask) -> None:
    app.extensions["babel"].instance.domain_instance = DOMAIN

    @app.url_value_preprocessor
    def _pull_lang(endpoint, values):
        if values and "lang" in values:
            g.lang = values.pop("lang")

    expecting: dict[str, bool] = {}  # endpoint -> whether its URL has the language

    @app.url_defaults
    def _add_lang(endpoint, values):
        if "lang" in values:
            return
        wanted = expecting.get(endpoint)
        if wanted is None:
            wanted = expecting[endpoint] = app.url_map.is_endpoint_expecting(endpoint, "lang")
        if wanted:
            values["lang"] = g.get("lang") or str(get_locale())

    app.before_request(_remember_language)
    app.jinja_env.globals.update(
        gettext=_gettext,
        _=_gettext,
        ngettext=_ngettext,
        get_locale=get_locale,
        LANGUAGES=LANGUAGES,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        switch_language_url=switch_language_url,
    )
