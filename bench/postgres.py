"""The timing part on PostgreSQL, run inside `.ci/with-postgres` (a throw-away server on a
free port; it exports PORTAL_TEST_DATABASE_URL):

    PGTEST_PORT=… bash .ci/with-postgres python -m bench.postgres --out result.json

The national data set is kept as a `pg_dump` in bench/.work/ (`national-<scale>-<key>.pgdump`)
and restored into the new server; without one for this key it is generated there and dumped
(bench/data.py `kept`).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import subprocess
import time
from pathlib import Path

from bench import timing
from bench.data import DataSet, demo_data_args, effective_scale, flask, kept
from bench.settings import portal_env


def pg_tool(name: str) -> str:
    """The newest installed PostgreSQL's `name` (pg_dump, pg_restore), as .ci/with-postgres
    picks its initdb."""
    found = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    if not found:
        raise SystemExit(f"{name} not found under /usr/lib/postgresql")

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", path.split("/")[4]))

    return max(found, key=version)


def libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def analyze(url: str) -> None:
    """Fresh planner statistics, as autovacuum would soon have (a bulk load leaves none)."""
    import psycopg

    with psycopg.connect(libpq_url(url), autocommit=True) as con:
        con.execute("ANALYZE")


def reset(url: str) -> None:
    """An empty database again (after a failed build)."""
    import psycopg

    with psycopg.connect(libpq_url(url), autocommit=True) as con:
        con.execute("DROP SCHEMA public CASCADE")
        con.execute("CREATE SCHEMA public")


def prepare(url: str, wanted: str) -> DataSet:
    """The national data set in the server: generated and dumped, or restored from the dump."""
    scale = effective_scale(wanted)

    def build(tmp: Path) -> None:
        env = portal_env(url)
        flask(["db", "upgrade"], env)
        flask(demo_data_args(scale), env)
        subprocess.run([pg_tool("pg_dump"), "-Fc", "-f", str(tmp), libpq_url(url)], check=True)

    data = kept(scale, wanted, ".pgdump", build)
    if not data.built_now:
        started = time.perf_counter()
        reset(url)
        subprocess.run(
            [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "-j", "2",
             "-d", libpq_url(url), str(data.path)],
            check=True,
        )  # fmt: skip
        print(f"bench: {data.path.name} restored in {time.perf_counter() - started:.0f} s")
    analyze(url)
    return data


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--scale", default="national")
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    url = os.environ["PORTAL_TEST_DATABASE_URL"]
    os.environ.update(portal_env(url))
    data = prepare(url, args.scale)
    wanted = tuple(w for w in args.only.split(",") if w)
    result = timing.time_all("PostgreSQL", wanted)
    result["data"] = data.describe()
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
