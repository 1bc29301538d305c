"""The reports' figures as plain functions: `(scope, arguments) -> tables`.

Nothing in this package touches the request, the signed-in user, `g` or the session
(tests/reports/test_queries_are_pure.py reads every module here to keep it so). The scope says
whose figures they are: `Scope.user` is anything with a role and the region, centre or person it
is bound to (`portal.roles.ScopeFacts`); typed arguments say which figures. A drill-down is a
`Link` (an endpoint and its arguments), made a URL only when a page is drawn. So a figure is
computed the same from a page, a CLI, a nightly export or a test without a client; it needs an
application context only (the database, and the locale of the titles):

    with app.app_context(), force_locale("ru"):
        sc = scope_of(user, "KZ-47")  # user: a `User`, or any stand-in with the scope facts
        Path("today.xlsx").write_bytes(xlsx_bytes(dashboard(sc, clock.today())))

The views (`portal.reports.views`) parse the arguments with GET forms, build the scope from the
signed-in user and render the tables these functions return as the page, CSV and XLSX.

Every count goes through `access.visible(Model, sc.user)`, over the centres of the scope, so a
coordinator's figures are their region's, a staff member's their centre's, the administrator's
the country's (or one region's).
"""
