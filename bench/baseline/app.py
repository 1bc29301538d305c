"""The baseline: Flask, Flask-SQLAlchemy and Jinja only. One SQLite table of 100,000 rows
(id, name, room), created on first start; `GET /page?page=N` renders 50 of them ordered by id
through the ORM; `GET /hello` returns text. No session, log-in, CSRF, Babel or CSP.

    BASELINE_DB=bench/.work/baseline.db gunicorn bench.baseline.wsgi:app
"""

from __future__ import annotations

import fcntl
import os
import random
import sqlite3
from pathlib import Path

from flask import Flask, render_template, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Integer, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROWS = 100_000
PAGE_SIZE = 50
DEFAULT_DB = Path(__file__).resolve().parents[1] / ".work" / "baseline.db"

_SYLLABLES = ("ai", "bek", "gul", "nur", "sa", "ul", "dar", "zhan", "er", "lan", "mu", "rat")
_SURNAMES = ("Omarov", "Saparov", "Akhmetov", "Nurlanov", "Seitkali", "Zhaksylykov", "Ibraev")


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Resident(db.Model):
    __tablename__ = "resident"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    room: Mapped[str] = mapped_column(String(10))


def _rows():
    """The same 100,000 rows every time (a seeded generator)."""
    rng = random.Random(2026)
    for i in range(1, ROWS + 1):
        given = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        yield i, f"{rng.choice(_SURNAMES)} {given}", f"{rng.randint(1, 4)}{rng.randint(1, 40):02d}"


def ensure_table(path: Path) -> None:
    """Create and fill the table unless it is there, complete (one process at a time: the
    gunicorn workers may start together)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(str(path) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        con = sqlite3.connect(path)
        try:
            con.execute(
                "CREATE TABLE IF NOT EXISTS resident"
                " (id INTEGER PRIMARY KEY, name VARCHAR(80) NOT NULL, room VARCHAR(10) NOT NULL)"
            )
            if con.execute("SELECT count(*) FROM resident").fetchone()[0] != ROWS:
                with con:
                    con.execute("DELETE FROM resident")
                    con.executemany("INSERT INTO resident VALUES (?, ?, ?)", _rows())
        finally:
            con.close()


def create_app() -> Flask:
    path = Path(os.environ.get("BASELINE_DB") or DEFAULT_DB).resolve()
    ensure_table(path)
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    db.init_app(app)

    @app.get("/hello")
    def hello():
        return "Hello, World!", 200, {"Content-Type": "text/plain; charset=utf-8"}

    @app.get("/page")
    def page():
        number = max(request.args.get("page", 1, type=int), 1)
        rows = db.session.scalars(
            select(Resident).order_by(Resident.id).offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE)
        ).all()
        return render_template("page.html", rows=rows, number=number)

    return app
