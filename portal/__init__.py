"""The kandas centre portal: `create_app()` reads like its table of contents."""

from __future__ import annotations

import os

from flask import Flask

from portal import config


def create_app(test_config: dict | None = None) -> Flask:
    # PORTAL_INSTANCE_PATH: this host's own folder (the embedded database, a generated key, the
    # scans of PORTAL_SCAN_STORAGE=folder); an absolute path. Default: instance/ of the checkout.
    instance = os.environ.get("PORTAL_INSTANCE_PATH") or None
    app = Flask(__name__, instance_relative_config=True, instance_path=instance)
    app.config.from_mapping(config.load(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)

    if app.config["PROXY_FIX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    from portal.bounds import IdConverter

    app.url_map.converters["int"] = IdConverter  # ids beyond the database's integers: 404
    _init_extensions(app)
    _register_blueprints(app)

    from portal import cli, errors, i18n, security, templating

    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from portal import models  # noqa: F401  (every model registered before the mappers configure)
    from portal.auth import throttle
    from portal.auth.session import init_login
    from portal.extensions import babel, csrf, db, migrate
    from portal.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    csrf.init_app(app)
    babel.init_app(
        app, locale_selector=select_locale, default_translation_directories="translations"
    )
    init_login(app)
    throttle.init_app(app)

    # Features react to each other's signals (and the state systems' answers), not by imports.
    from portal.applications import reactions as applications
    from portal.auth import reactions as auth
    from portal.services import reactions as services

    for feature in (applications, auth, services):
        feature.connect()


def _register_blueprints(app: Flask) -> None:
    from portal.accommodation.views import bp as accommodation
    from portal.admin.views import bp as admin
    from portal.applications.checks.views import bp as checks
    from portal.applications.document_views import bp as documents
    from portal.applications.status_views import bp as status
    from portal.applications.views import bp as applications
    from portal.applications.work_views import bp as work
    from portal.auth.views import bp as auth
    from portal.main import bp as main
    from portal.reports.views import bp as reports
    from portal.residents.views import bp as residents
    from portal.services.calendar.views import bp as calendar
    from portal.services.cases.views import bp as cases
    from portal.services.courses.views import bp as courses

    for bp in (
        main,
        auth,
        residents,
        accommodation,
        applications,
        documents,
        checks,
        status,
        work,
        admin,
        courses,
        cases,
        calendar,
        reports,
    ):
        app.register_blueprint(bp)

    from portal.me.feed import bp as me_feed
    from portal.me.views import bp as me
    from portal.myday.views import bp as myday

    app.register_blueprint(me)  # the residents' own pages
    app.register_blueprint(me_feed)  # their subscribable calendar, without a language prefix
    app.register_blueprint(myday)  # a staff member's today
