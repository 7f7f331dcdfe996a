"""API fuzzing with schemathesis: every operation of ``/openapi.json``, valid and invalid inputs.

    .venv/bin/python bench/fuzz.py                    # make fuzz: 40 cases per operation and mode
    .venv/bin/python bench/fuzz.py --examples 5       # quick

The app is called in-process (schemathesis' WSGI mode) on the bundled layers, with a temporary
SQLite store holding a few reports. Each operation gets ``--examples`` generated cases with valid
inputs (positive) and as many with inputs that break the schema (negative), half of them with an
admin token, half with no token. Required: no 5xx, and every 4xx is application/problem+json
with a ``status`` equal to the HTTP status and a ``title``. Exit status 1 otherwise.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from zonasi.testing.fuzz import fuzz, fuzz_stateful, make_app


def main(argv=None) -> int:
    """Fuzz the app (plain, then stateful); exit status 1 on any failure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=40, help="cases per operation and mode")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="zonasi-fuzz-") as tmp:
        app, admin = make_app(Path(tmp))
        result = fuzz(app, admin, args.examples, seed=args.seed)
        stateful = fuzz_stateful(app, admin, args.examples, seed=args.seed)
        app.extensions["zonasi"].store.dispose()
    for line in result.lines():
        print(line)
    print("stateful (following the OpenAPI links):")
    for line in stateful.lines():
        print("  " + line)
    return 1 if result.failures or stateful.failures else 0


if __name__ == "__main__":
    sys.exit(main())
