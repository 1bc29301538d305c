"""Command-line: `flask --app wsgi demo-data`, `create-user`, `occupancy-days`."""

from __future__ import annotations

import click
from flask import Flask

from portal.extensions import db


def init_app(app: Flask) -> None:
    from portal.integrations import cli as integrations_cli

    integrations_cli.init_app(app)
    _aggregates(app)
    _scans(app)

    @app.cli.command("demo-data")
    @click.option("--if-empty", is_flag=True, help="Do nothing when the database has families.")
    @click.option(
        "--scale",
        type=click.Choice(["demo", "1x", "10x", "national"]),
        default="demo",
        show_default=True,
        help="demo: one region's story; 1x, 10x, national: bulk data of that size, for benchmarks"
        " and tests.",
    )
    @click.option("--seed", type=int, default=2026, show_default=True)
    def demo_data(if_empty: bool, scale: str, seed: int) -> None:
        """Fill an empty database with demo centres, families and logins."""
        from portal import demo

        if not demo.is_empty():
            if not if_empty:
                raise click.ClickException("The database is not empty.")
            click.echo("The database already has data; demo data not loaded again.")
            logins = demo.existing_logins()
        elif scale == "demo":
            logins = demo.build(seed)
            db.session.commit()
            click.echo("Demo data loaded.")
        else:
            logins = _bulk_data(scale, seed)
        if logins:
            click.echo(f"Demo logins (password: {demo.DEMO_PASSWORD}):")
        for login in logins:
            click.echo(f"  {login.username:<18} {login.role:<12} {login.scope}")

    def _bulk_data(scale_name: str, seed: int):
        from time import perf_counter

        from portal.demo import national

        scale = national.SCALES[scale_name]
        started = perf_counter()
        with click.progressbar(
            length=scale.expected_rows, label=f"Writing the {scale_name} data set", width=36
        ) as bar:
            logins = national.build(scale, seed, progress=bar.update)
            bar.update(scale.expected_rows)
        db.session.commit()
        click.echo(f"{scale_name} data loaded in {perf_counter() - started:.0f} s.")
        return logins

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--role", type=click.Choice(["admin", "coordinator", "staff"]), required=True)
    @click.option("--full-name", required=True)
    @click.option("--region-code", help="For a coordinator: the region's code, e.g. KZ-47.")
    @click.option("--centre-id", type=int, help="For staff: the centre's id.")
    @click.password_option()
    def create_user(username, role, full_name, region_code, centre_id, password) -> None:
        """Create a user account (the first administrator, say)."""
        from sqlalchemy import select

        from portal.accommodation.models import Region
        from portal.auth.models import User
        from portal.roles import Role

        region_id = None
        if region_code:
            region_id = db.session.scalar(select(Region.id).where(Region.code == region_code))
            if region_id is None:
                raise click.ClickException(f"No region with code {region_code}.")
        user = User(
            username=username,
            full_name=full_name,
            role=Role(role),
            region_id=region_id,
            centre_id=centre_id,
        )
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        click.echo(f"User {username} created.")


def _aggregates(app: Flask) -> None:
    @app.cli.command("occupancy-days")
    @click.option("--rebuild", is_flag=True, help="Write every day again from the intervals.")
    def occupancy_days(rebuild: bool) -> None:
        """Write each centre's occupancy per day up to today (run daily: a report computes the
        days not yet written from the stays themselves, more slowly)."""
        from portal.accommodation import daily

        conn = db.session.connection()
        if rebuild:
            daily.rebuild(conn)
            message = "Occupancy per day written again for every centre."
        else:
            message = f"Occupancy per day written up to today for {daily.extend(conn)} centre(s)."
        db.session.commit()
        click.echo(message)


def _scans(app: Flask) -> None:
    @app.cli.group("scans")
    def scans_group() -> None:
        """Where the scans of documents are kept (PORTAL_SCAN_STORAGE)."""

    @scans_group.command("move")
    @click.option("--to", "target", type=click.Choice(["database", "folder"]), required=True,
                  help="Where the scans go; they come from the other place.")  # fmt: skip
    def move_command(target: str) -> None:
        """Copy every scan a document or appeal names from the folder to the database (or
        back), checking each against its recorded SHA-256. Scans already there are left; it
        can be run again. Then set PORTAL_SCAN_STORAGE to the new place on every host."""
        from portal import scans
        from portal.applications import storage

        source = "folder" if target == "database" else "database"
        done = scans.move(storage.recorded(), scans.store(source), scans.store(target))
        click.echo(
            f"{done.copied} scan(s) copied to the {target}, {done.already} already there, "
            f"{done.missing} missing and {done.damaged} damaged in the {source} (not copied)."
        )
        if done.missing or done.damaged:
            raise SystemExit(1)
