"""Settings: the one place configuration comes from (environment, then explicit overrides).

Every setting is declared here once with its default; the CLI and the web app receive a
``Settings`` object and pass it on, nothing reads the environment anywhere else.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

ENV_PREFIX = "ZONASI_"


@dataclass(frozen=True)
class Settings:
    """Every setting of zonasi with its default; each field is read from ``ZONASI_<NAME>``."""

    layers_dir: Path | None = None          # ZONASI_LAYERS; None = the bundled layers
    database_url: str | None = None         # ZONASI_DATABASE_URL; None = SQLite in instance_dir
    instance_dir: Path = Path("instance")   # ZONASI_INSTANCE: database, photos, uploads
    language: str = "id"                    # ZONASI_LANGUAGE: id or en
    max_upload_mb: int = 32                 # ZONASI_MAX_UPLOAD_MB
    max_web_rows: int = 100_000             # ZONASI_MAX_WEB_ROWS: larger CSVs go to the CLI
    max_page_limit: int = 10_000            # ZONASI_MAX_PAGE_LIMIT: cap on ?limit=
    max_photo_mb: int = 10                  # ZONASI_MAX_PHOTO_MB: largest report photo
    validate_time_budget_s: float = 60.0    # ZONASI_VALIDATE_TIME_BUDGET_S: CPU-heavy web uploads stop
    max_import_bytes: int = 2_000_000_000   # ZONASI_MAX_IMPORT_BYTES: decompressed bytes one layers import reads
    max_import_features: int = 5_000_000    # ZONASI_MAX_IMPORT_FEATURES: features one layers import reads
    max_photo_pixels: int = 40_000_000      # ZONASI_MAX_PHOTO_PIXELS: checked before decoding a photo
    max_zone_vertices: int = 1_000_000      # ZONASI_MAX_ZONE_VERTICES: largest /api/zones.geojson answer
    max_offline_bytes: int = 20_000_000     # ZONASI_MAX_OFFLINE_BYTES: largest /api/offline bundle (JSON bytes)
    max_in_flight: int = 64                 # ZONASI_MAX_IN_FLIGHT: requests in progress per server worker; more get 503
    queue_wait_s: float = 0.05              # ZONASI_QUEUE_WAIT_S: a request that waited this long for a worker: 503
    retry_after_s: float = 2.0              # ZONASI_RETRY_AFTER_S: Retry-After of those 503s (whole seconds, >= 1)
    now: dt.datetime | None = None          # ZONASI_NOW: judge as of this instant (ISO, offset), not the clock
    proxy_hops: int = 0                     # ZONASI_PROXY_HOPS: trust X-Forwarded-* from this many proxies (0: none)
    health_timeout_s: float = 2.0           # ZONASI_HEALTH_TIMEOUT_S: /health's database connect timeout
    # casework (#19): webhooks and public intake
    webhook_timeout_s: float = 5.0          # ZONASI_WEBHOOK_TIMEOUT_S: one POST to a webhook gives up after this
    webhook_backoff_s: float = 30.0         # ZONASI_WEBHOOK_BACKOFF_S: first retry after ~this, doubling (+ jitter)
    webhook_poll_s: float = 5.0             # ZONASI_WEBHOOK_POLL_S: how often the deliverer looks for due work
    max_webhook_attempts: int = 8           # ZONASI_MAX_WEBHOOK_ATTEMPTS: a delivery is given up after this many
    max_public_reports_per_hour: int = 5    # ZONASI_MAX_PUBLIC_REPORTS_PER_HOUR: per client, without a token
    # casework (#19): triage
    removal_photo_required: bool = True     # ZONASI_REMOVAL_PHOTO_REQUIRED: moving to removed needs an after-photo
    max_bulk_transitions: int = 1000        # ZONASI_MAX_BULK_TRANSITIONS: reports one bulk move may move

    @classmethod
    def from_env(cls, environ=None, **overrides) -> Settings:
        """Settings from ``environ`` (default ``os.environ``) where set and not empty, then ``overrides``."""
        environ = os.environ if environ is None else environ
        names = {"layers_dir": "LAYERS", "instance_dir": "INSTANCE"}
        values = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + names.get(f.name, f.name.upper()))
            if raw not in (None, ""):
                values[f.name] = _coerce(f.name, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)

    @property
    def sqlite_path(self) -> Path:
        """The SQLite database file used when no ``database_url`` is set."""
        return self.instance_dir / "zonasi.db"

    @property
    def effective_database_url(self) -> str:
        """The SQLAlchemy URL to open: ``database_url``, or SQLite in ``instance_dir``."""
        return self.database_url or f"sqlite:///{self.sqlite_path.resolve()}"


def _coerce(name: str, raw: str):
    if name == "now":
        from geo.clock import parse_instant

        return parse_instant(raw, ENV_PREFIX + "NOW")
    if name.endswith("_dir"):
        return Path(raw)
    if name.endswith("_required"):  # yes/no
        text = raw.strip().lower()
        if text not in ("1", "true", "yes", "ya", "0", "false", "no", "tidak"):
            raise ValueError(f"{ENV_PREFIX}{name.upper()} must be true or false, not {raw!r}")
        return text in ("1", "true", "yes", "ya")
    if name.startswith("max_") or name == "proxy_hops":
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{ENV_PREFIX}{name.upper()} must be a whole number, not {raw!r}") from None
    if name.endswith("_s"):  # seconds
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if not 0 <= value < float("inf"):
            raise ValueError(f"{ENV_PREFIX}{name.upper()} must be a number of seconds (0 or more), not {raw!r}")
        return value
    return raw
