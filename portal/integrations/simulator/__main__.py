"""`python -m portal.integrations.simulator [--host 127.0.0.1] [--port 8001] …`"""

from __future__ import annotations

import argparse

from portal.integrations.simulator.app import SimulatorState, serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m portal.integrations.simulator",
        description='Simulate the "Individuals" database and the MIA "Migration police" system.',
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--latency-ms", type=int, default=0, help="delay before every answer")
    parser.add_argument(
        "--failure-rate", type=float, default=0.0, help="share of requests answered 503 (0..1)"
    )
    parser.add_argument("--quiet", action="store_true", help="no log line per request")
    args = parser.parse_args(argv)
    state = SimulatorState(latency_ms=args.latency_ms, failure_rate=args.failure_rate)
    serve(args.host, args.port, state=state, quiet=args.quiet)


if __name__ == "__main__":
    main()
