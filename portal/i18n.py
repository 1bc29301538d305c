"""Language: the URL prefix `/<lang>/…` decides; the user's saved choice and the browser's
Accept-Language only pick where `/` and the log-in redirect go.

Opening a page in another language is the switcher: the choice is remembered in the session
and, for a signed-in user, on their account.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user

from portal.config import DEFAULT_LANGUAGE, LANGUAGES

LANG_PREFIX = "/<any(kk,ru,en):lang>"
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
    if not request:
        return DEFAULT_LANGUAGE
    # A URL that matched no route (a 404) still speaks the language its prefix names.
    prefix = request.path.strip("/").split("/", 1)[0]
    return prefix if prefix in LANGUAGES else preferred_language()


def _remember_language() -> None:
    lang = g.get("lang")
    if not lang:
        return
    if session.get("lang") != lang:
        session["lang"] = lang
    if current_user.is_authenticated and current_user.locale != lang:
        from portal.extensions import db

        current_user.locale = lang
        db.session.commit()


def switch_language_url(lang: str) -> str:
    """This page in another language (the prefix was taken out of `view_args` on the way in)."""
    endpoint = request.endpoint
    if endpoint and current_app.url_map.is_endpoint_expecting(endpoint, "lang"):
        args = request.args.to_dict(flat=False)
        return url_for(endpoint, **(request.view_args or {}), **args, lang=lang)
    return f"/{lang}/"


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
