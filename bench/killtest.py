"""No acknowledged report is lost: submit reports to the production server, SIGKILL it midway,
restart it, keep going, then count what the database holds.

    .venv/bin/python bench/killtest.py                               # 10,000 reports, SQLite
    .venv/bin/python bench/killtest.py --database-url postgresql+psycopg://...   # PostGIS
    .venv/bin/python bench/killtest.py --reports 200 --clients 16    # what the test runs

32 client threads (keep-alive connections, one ``field`` token made with ``zonasi token create``)
each take the next report and POST it to /api/reports with its own ``Idempotency-Key`` until it
is acknowledged (2xx): a refused connection, a reset or a 5xx while the server is down is retried
with the same key. Every 25th report is first sent on a connection closed before the answer
comes (the answer is lost: the retry must get the stored report back). When half of the reports
are acknowledged the whole server process group (gunicorn master and workers) gets SIGKILL in
the middle of the traffic, and the server is started again on the same port and database. At
the end every report must be in the database exactly once under its key, with the id the client
was given, and with exactly one 'reported' history event. Exit status 1 when not.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from zonasi.testing.killtest import run
from zonasi.testing.server import ZonasiServer


def main(argv=None) -> int:
    """Run the kill test on a temporary instance; exit status 1 when a report went missing."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--database-url", help="PostgreSQL + PostGIS (default: SQLite in a temporary instance)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--json", action="store_true", help="print the counts as JSON too")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="zonasi-killtest-") as tmp:
        server = ZonasiServer(Path(tmp) / "instance", database_url=args.database_url,
                              workers=args.workers, threads=args.threads)
        backend = "PostGIS" if args.database_url else "SQLite"
        print(f"killtest: {args.reports} reports, {args.clients} clients, {backend}, "
              f"zonasi serve {args.workers} gevent workers")
        server.start()
        try:
            out = run(server, args.reports, args.clients)
        finally:
            server.stop()
        for line in out.lines():
            print(line)
        for problem in (out.unexpected + out.missing + out.wrong_id)[:10]:
            print("  ", problem)
        if args.json:
            print(json.dumps({k: v for k, v in out.__dict__.items() if isinstance(v, (int, float))}))
    return 0 if out.ok else 1


if __name__ == "__main__":
    sys.exit(main())
