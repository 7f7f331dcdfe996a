"""API fuzzing with schemathesis: every operation of ``/openapi.json``, valid and invalid inputs.

The app is called in-process (schemathesis' WSGI mode), here on the bundled layers with a
SQLite store holding a few reports (:func:`make_app`). Required of every answer: no 5xx, and every
4xx is application/problem+json with a ``status`` equal to the HTTP status and a ``title``
(:func:`problem_failure`); a request that asked for a page (the OGC API's ``f=html``) may get its
error as a page, which must still be one (text/html, saying its status). bench/fuzz.py is the
command line; tests/test_fuzz_api.py runs a few cases per operation.
"""
from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class FuzzResult:
    """What a fuzz run sent and got back: counts by status and operation, and the failures."""

    cases: int = 0
    statuses: Counter = field(default_factory=Counter)
    per_operation: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    calls: list[tuple[str, int]] = field(default_factory=list)  # (operation, status), in order
    seconds: float = 0.0

    def record(self, name: str, mode: str, case, response) -> None:
        """Count one answer of operation ``name`` and note it when it breaks the rules."""
        self.calls.append((name, response.status_code))
        self.cases += 1
        self.per_operation[name] += 1
        self.statuses[response.status_code] += 1
        why = problem_failure(response, asked_page=(case.query or {}).get("f") == "html")
        if why:
            self.failures.append(f"{name} [{mode}]: {why}\n    {case.as_curl_command()}")

    def lines(self) -> list[str]:
        """The summary printed by bench/fuzz.py (the first 20 failures in full)."""
        codes = ", ".join(f"{k} x{v}" for k, v in sorted(self.statuses.items()))
        return [f"{self.cases} generated requests over {len(self.per_operation)} operations in {self.seconds:.0f} s",
                f"statuses: {codes}",
                f"5xx responses: {sum(v for k, v in self.statuses.items() if k >= 500)}",
                f"failures: {len(self.failures)}", *self.failures[:20]]


def problem_failure(response, asked_page: bool = False) -> str | None:
    """Why an error response is not a proper problem+json body (None when it is, or no error); when
    the request ``asked_page`` (``f=html``), an error page saying its status is as good."""
    status = response.status_code
    if status >= 500:
        return f"status {status}"
    if status < 400:
        return None
    media = next((v for k, v in response.headers.items() if k.lower() == "content-type"), "")
    media = media[0] if isinstance(media, list) else media
    if asked_page and media.startswith("text/html"):
        return None if f"HTTP {status}" in response.content.decode("utf-8", "replace") else \
            f"{status} error page does not say its status"
    if not media.startswith("application/problem+json"):
        return f"{status} with Content-Type {media!r}, not application/problem+json"
    try:
        body = json.loads(response.content)
    except ValueError:
        return f"{status} body is not JSON"
    if not isinstance(body, dict) or body.get("status") != status or not body.get("title"):
        return f"{status} problem body lacks status/title: {str(body)[:200]}"
    return None


def make_app(tmp: Path, engine=None):
    """The app on the bundled layers (or on ``engine``, e.g. one already loaded from them) and a
    SQLite store with a few reports; (app, admin token)."""
    from geo.config import Settings
    from webmap import create_app
    from zonasi.testing.browser import closing_app

    app = create_app(Settings(instance_dir=tmp / "instance"), engine=engine)
    # schemathesis reads a response whole but never closes it: a photo's file would stay open
    # until the garbage collector found it (a ResourceWarning failing whichever test runs then)
    app.wsgi_app = closing_app(app.wsgi_app)  # type: ignore[method-assign]
    store = app.extensions["zonasi"].store
    admin = store.tokens.create("admin", "fuzz admin")
    for i, (lon, lat) in enumerate([(108.32, -6.33), (108.33, -6.40), (107.60, -6.90)]):
        store.submit({"apk_type": "baliho", "lon": lon, "lat": lat, "reporter": f"fuzz {i}",
                      "reported_at": "2024-01-10T09:00:00+07:00"})
    return app, admin


def fuzz(app, admin_token: str, examples: int = 40, *, seed: int = 0, skip=()) -> FuzzResult:
    """Every operation of ``/openapi.json`` (but those named in ``skip``, as "GET /path"), with
    ``examples`` valid and as many schema-breaking generated cases, half with the admin token:
    no 5xx, and every 4xx problem+json."""
    import schemathesis
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    result = FuzzResult()
    started = time.perf_counter()
    for found in schema.get_all_operations():
        operation = found.ok()
        if f"{operation.method.upper()} {operation.path}" in skip:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz_operation(operation, mode, admin_token, examples, seed, result)
    result.seconds = time.perf_counter() - started
    return result


def _fuzz_operation(operation, mode, admin_token: str, examples: int, seed: int, result: FuzzResult) -> None:
    """``examples`` generated cases of one operation in one generation mode, counted into ``result``."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as fixed_seed
    from hypothesis.errors import Unsatisfiable

    name = f"{operation.method.upper()} {operation.path}"
    counter = iter(range(10**9))

    @fixed_seed(seed)
    @settings(max_examples=examples, deadline=None, database=None, derandomize=False,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        with_token = next(counter) % 2 == 0
        headers = {"Authorization": f"Bearer {admin_token}"} if with_token else {}
        result.record(name, mode.value, case, case.call(headers=headers))

    try:
        run()
    except Unsatisfiable:  # e.g. no string breaks the schema of a {filename:path}
        pass
    except Exception as exc:  # noqa: BLE001 - a generator error is a finding, not a crash
        result.failures.append(f"{name} [{mode.value}]: {type(exc).__name__}: {str(exc)[:300]}")


def fuzz_stateful(app, admin_token: str, examples: int = 20, *, steps: int = 6, seed: int = 0) -> FuzzResult:
    """Sequences of calls that follow the OpenAPI links (a report submitted, then read, moved
    along its workflow, its photo fetched), always with the admin token: the same rules, no 5xx
    and only problem+json errors, on states that single requests never reach."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, settings
    from hypothesis import seed as fixed_seed
    from hypothesis.errors import FlakyStrategyDefinition
    from hypothesis.stateful import run_state_machine_as_test

    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    result = FuzzResult()
    started = time.perf_counter()
    base = schema.as_state_machine()

    class Machine(base):
        def before_call(self, case):
            """Every call with the admin token."""
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {admin_token}"}

        def validate_response(self, response, case, **kwargs):
            """Count the answer and note it when it is a 5xx or an error that is not problem+json."""
            result.record(f"{case.operation.method.upper()} {case.operation.path}", "stateful", case, response)

    run = fixed_seed(seed)(lambda: run_state_machine_as_test(Machine, settings=settings(
        max_examples=examples, stateful_step_count=steps, deadline=None, database=None,
        # Hypothesis derandomizes under CI=true (its "ci" profile), which would ignore ``seed``:
        # the same seed gives the same sequences on every machine
        derandomize=False, phases=[Phase.generate], suppress_health_check=list(HealthCheck))))
    try:
        run()
    except FlakyStrategyDefinition:
        # Hypothesis replays a sequence and the server answers differently the second time (the
        # report it stored is there now): that ends the run, and is no finding about the API.
        pass
    except Exception as exc:  # noqa: BLE001 - a generator error is a finding, not a crash
        result.failures.append(f"stateful: {type(exc).__name__}: {str(exc)[:300]}")
    result.seconds = time.perf_counter() - started
    return result
