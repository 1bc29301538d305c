"""The portal's databases for the benchmark, all under bench/.work/:

- `portal-demo.db`: the demo data, built afresh on every run (seconds; its dates follow today);
  the wrk part and profiles run on it.
- `national-<scale>-<key>.db`: the national data set (`demo-data --scale <scale>`), kept and
  reused while `<key>` (the migrations and the generator's source) is unchanged; the timing
  part runs on a scratch copy of it, so the kept file is never written to.
Until the generator takes `--scale`, plain `demo-data` stands in (scale `demo`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench.settings import BIN, ROOT, WORK, portal_env, uploads


class BuildFailed(Exception):
    """A flask command failed; its output is in bench/.work/logs/."""


def flask(args: list[str], env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    """`flask --app wsgi <args>`, output captured (kept in a log when it fails)."""
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if check and done.returncode != 0:
        log = WORK / "logs" / f"flask-{args[0]}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(done.stdout + done.stderr)
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        raise BuildFailed(f"flask {' '.join(args)}: {last} ({log.relative_to(ROOT)})")
    return done


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def prepare_demo() -> str:
    """A fresh demo database; its URL."""
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / "portal-demo.db"
    remove_sqlite(path)
    shutil.rmtree(uploads("demo"), ignore_errors=True)
    env = portal_env(sqlite_url(path), "demo")
    flask(["db", "upgrade"], env)
    flask(["demo-data"], env)
    return sqlite_url(path)


def _tree_hash(paths: list[Path]) -> hashlib.sha1:
    h = hashlib.sha1()
    for p in sorted(paths):
        h.update(p.relative_to(ROOT).as_posix().encode())
        h.update(p.read_bytes())
    return h


def data_keys() -> tuple[str, str]:
    """What the national data set depends on: the migrations, and the generator's code."""
    migrations = list((ROOT / "migrations" / "versions").glob("*.py"))
    generator = list((ROOT / "portal" / "demo").rglob("*.py"))
    return _tree_hash(migrations).hexdigest()[:8], _tree_hash(generator).hexdigest()[:8]


def effective_scale(wanted: str) -> str:
    """`wanted` if `demo-data` takes `--scale`, otherwise `demo` (the plain demo data)."""
    if wanted == "demo":
        return "demo"
    helped = flask(["demo-data", "--help"], portal_env("sqlite://"), check=False)
    return wanted if "--scale" in helped.stdout else "demo"


def demo_data_args(scale: str) -> list[str]:
    return ["demo-data"] if scale == "demo" else ["demo-data", "--scale", scale]


@dataclass
class DataSet:
    scale: str  # what was built: the scale asked for, or "demo" while --scale is missing
    wanted: str
    key: str  # <migrations>-<generator>
    path: Path  # the kept file (SQLite) or dump (PostgreSQL)
    info: dict  # when and how fast it was built
    built_now: bool = False
    note: str = ""

    def describe(self) -> str:
        built = self.info.get("built_on", "?")
        secs = self.info.get("seconds")
        how = f", built on {built} in {secs:.0f} s" if secs is not None else ""
        note = "" if self.scale == self.wanted else f" (`--scale {self.wanted}` not there yet)"
        extra = f" (**{self.note}**)" if self.note else ""
        return f"`{self.scale}`{note}, key {self.key}{how}{extra}"


def _info_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def read_info(path: Path) -> dict:
    try:
        return json.loads(_info_path(path).read_text())
    except (OSError, ValueError):
        return {}


def write_info(path: Path, seconds: float) -> dict:
    info = {"built_on": date.today().isoformat(), "seconds": round(seconds, 1)}
    _info_path(path).write_text(json.dumps(info))
    return info


def forget_others(keep: Path, pattern: str) -> None:
    """Remove kept data sets of other keys (and their notes)."""
    for old in WORK.glob(pattern):
        if old.name not in (keep.name, _info_path(keep).name):
            old.unlink(missing_ok=True)


def kept(scale: str, wanted: str, suffix: str, build: Callable[[Path], None]) -> DataSet:
    """The kept data set of these keys, built by `build(tmp)` when there is none. If the
    build fails (a generator being changed), the last one built on the same migrations
    stands in, with a note."""
    WORK.mkdir(parents=True, exist_ok=True)
    migrations, generator = data_keys()
    path = WORK / f"national-{scale}-{migrations}-{generator}{suffix}"
    if path.exists():
        return DataSet(scale, wanted, f"{migrations}-{generator}", path, read_info(path))
    where = "PostgreSQL" if suffix == ".pgdump" else "SQLite"
    print(f"bench: building the {scale} data set on {where} (kept for the next runs)", flush=True)
    started = time.perf_counter()
    try:
        build(WORK / f"national-building{suffix}")
    except BuildFailed as e:
        older = sorted(
            WORK.glob(f"national-{scale}-{migrations}-*{suffix}"), key=lambda p: p.stat().st_mtime
        )
        if not older:
            raise
        print(f"bench: {e}; using {older[-1].name}", flush=True)
        key = older[-1].name.removeprefix(f"national-{scale}-").removesuffix(suffix)
        note = f"the generator failed, {e}; this is the data set of an earlier one"
        return DataSet(scale, wanted, key, older[-1], read_info(older[-1]), note=note)
    seconds = time.perf_counter() - started
    os.replace(WORK / f"national-building{suffix}", path)
    forget_others(path, f"national-*{suffix}*")
    info = write_info(path, seconds)
    return DataSet(scale, wanted, f"{migrations}-{generator}", path, info, built_now=True)


def national_sqlite(wanted: str) -> DataSet:
    """The kept SQLite national data set."""
    scale = effective_scale(wanted)

    def build(tmp: Path) -> None:
        remove_sqlite(tmp)
        shutil.rmtree(uploads("national"), ignore_errors=True)
        env = portal_env(sqlite_url(tmp))
        flask(["db", "upgrade"], env)
        flask(demo_data_args(scale), env)

    return kept(scale, wanted, ".db", build)


def scratch_copy(data: DataSet) -> Path:
    """A copy to run on: requests log views and log-ins, the kept file stays as built."""
    copy = WORK / "national-run.db"
    remove_sqlite(copy)
    shutil.copyfile(data.path, copy)
    return copy


COUNTED = ("centre", "family", "person", "application", "stay", "attendance", "access_log")


def counts(url: str) -> dict[str, int]:
    """Rows of the main tables, to name the data set in the results."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as con:
            return {t: con.scalar(text(f'SELECT count(*) FROM "{t}"')) for t in COUNTED}
    finally:
        engine.dispose()
