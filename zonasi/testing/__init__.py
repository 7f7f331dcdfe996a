"""Helpers shared by the test suite (tests/) and the benchmarks (bench/), importable without any
``sys.path`` edit: ``zonasi.testing.server`` (the production server as a child process),
``layers`` (small layers directories, points near the bundled sites), ``reports`` (report bodies
and photos), ``messy_csv`` (the messy export of ``bench/validate.py``), ``fuzz`` (schemathesis
over the OpenAPI document), ``killtest`` (SIGKILL in the middle of traffic) and ``browser``
(a live server and Chromium pages).

Nothing in geo/, webmap/ or the rest of zonasi/ imports this package; some of its modules need the
``test`` extra (httpx, schemathesis, hypothesis, playwright).
"""
