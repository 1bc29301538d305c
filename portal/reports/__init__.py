"""Region and national reports: today's beds, occupancy over a period, the application
pipeline, the C8 services and the ministry's cuts, each table exportable to CSV and XLSX.

Every figure is counted over the centres the user may see (`access.visible_ids(Centre, user)`), so a
coordinator's numbers are their region's, a staff member's their centre's, the administrator's
the country's (or one region's, chosen with `?region=`).
"""
