"""API fuzzing: schemathesis generates requests for every operation of /openapi.json (valid and
schema-breaking inputs, with and without a token); none may answer 5xx, and every error must be
application/problem+json. A few cases per operation here; `make fuzz` runs >= 40 per operation."""
from __future__ import annotations

from zonasi.testing import fuzz


def test_generated_requests_get_no_5xx_and_only_problem_details(tmp_path, engine):
    app, admin = fuzz.make_app(tmp_path, engine)
    try:
        result = fuzz.fuzz(app, admin, examples=4, seed=1)
    finally:
        app.extensions["zonasi"].store.dispose()
    report = "\n".join(result.lines())
    assert result.failures == [], report
    assert result.cases >= 150 and len(result.per_operation) >= 25, report
    assert not any(code >= 500 for code in result.statuses), report
    assert any(400 <= code < 500 for code in result.statuses) and 200 in result.statuses, report


def test_problem_check_catches_a_plain_error():
    class Plain:
        status_code = 400
        headers = {"Content-Type": ["text/html"]}
        content = b"<p>bad</p>"

    class Good(Plain):
        headers = {"content-type": ["application/problem+json"]}
        content = b'{"status": 400, "title": "Bad request", "detail": "x"}'

    class Page(Plain):
        content = b"<h1>Tidak ditemukan</h1><p>HTTP 400</p>"

    assert "text/html" in fuzz.problem_failure(Plain())
    assert fuzz.problem_failure(Good()) is None
    # a request that asked for a page (the OGC API's f=html) may get its error as a page, saying its status
    assert fuzz.problem_failure(Page(), asked_page=True) is None
    assert "text/html" in fuzz.problem_failure(Page())
    assert "does not say its status" in fuzz.problem_failure(Plain(), asked_page=True)


def test_stateful_sequences_follow_the_links_and_get_no_5xx(tmp_path, engine):
    """Sequences that follow the OpenAPI links: a report submitted, then read, moved along its
    workflow, its photo asked for; no 5xx, only problem+json errors, and the links are taken."""
    # Which operations a run picks is not fixed by its seed alone (a replay that the server answers
    # differently, a report now stored, ends a run early), so up to three seeds run: every one must
    # get no 5xx, and the links must be taken in at least one.
    calls = []
    for seed in (2, 3, 4):
        app, admin = fuzz.make_app(tmp_path / f"seed-{seed}", engine)  # the layers loaded once
        try:
            result = fuzz.fuzz_stateful(app, admin, examples=30, steps=8, seed=seed)
        finally:
            app.extensions["zonasi"].store.dispose()
        report = "\n".join(result.lines())
        assert result.failures == [], report
        assert not any(code >= 500 for code in result.statuses), report
        calls += result.calls
        followed = {name for name, status in result.calls if "{report_id}" in name and status in (200, 201, 409)}
        if ("POST /api/reports", 201) in result.calls and followed:
            break
    else:
        raise AssertionError(f"no run followed a link from a submitted report: {calls}")
