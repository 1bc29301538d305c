"""Region and national reports: today's beds, occupancy over a period, the application
pipeline, the C8 services and the ministry's cuts, each table exportable to CSV and XLSX, and
the lists behind their numbers.

- `queries/`: the figures, as pure functions `(scope, arguments) -> tables`, which never touch
  the request or the signed-in user (a CLI, a nightly export or a test calls them the same);
- `views/`: the pages: GET forms for the arguments, the scope of the signed-in user, the
  routes, the menu, and the one export view;
- `tables.py`: one table feeds the page, the CSV and the XLSX with the same numbers.

Every figure is counted over the centres the user may see (`access.visible(Model, user)`), so a
coordinator's numbers are their region's, a staff member's their centre's, the administrator's
the country's (or one region's, chosen with `?region=`).
"""
