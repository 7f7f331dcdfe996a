"""No acknowledged report is lost when the production server is SIGKILLed midway (bench/killtest.py
at a small size (120 reports), on SQLite and on PostGIS; the 10,000-report run is `make killtest`)."""
from __future__ import annotations

import pytest

from zonasi.testing import killtest
from zonasi.testing.server import ZonasiServer


@pytest.mark.slow
def test_no_acknowledged_report_is_lost_across_a_sigkill(tmp_path, store_url):
    database_url = None if store_url.startswith("sqlite") else store_url
    server = ZonasiServer(tmp_path / "instance", database_url=database_url, workers=2, threads=4)
    server.start()
    try:
        out = killtest.run(server, reports=120, clients=16, log=lambda *_: None)
        log = server.log_text()
    finally:
        server.stop()
    summary = "\n".join(out.lines())
    assert out.kills == 1 and server.starts == 2, summary
    assert len(out.acknowledged) == 120 and out.created + out.replayed == 120, summary
    assert out.rows == 120 and out.missing == [] and out.duplicates == 0 and out.wrong_id == [], summary
    assert out.extra == 0 and out.bad_history == 0 and out.unexpected == [], summary
    assert out.retries > 0, "the kill must have hit requests: " + summary
    assert out.replayed >= 1, "answers lost on purpose must come back as replays: " + summary
    assert "Traceback" not in log
