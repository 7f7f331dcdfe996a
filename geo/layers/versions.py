"""Layers versions: what a layers directory was given, when, and from where.

Every import writes a new file into ``sites/`` and records a new version in ``layers.json``
beside ``rules.toml``. A version is the content hash of the regencies and site files (the same
``layers_version`` every verdict names, see :func:`geo.layers.directory.content_version`); the manifest
adds the time, what changed, and per file its source, licence and date, so that a stored
verdict's version can be traced back to the data it was judged on. Old entries are never
rewritten: the manifest only grows.

    {"format": 1,
     "files": {"sites/osm_jawa.parquet": {"source": "...", "licence": "ODbL-1.0", "date": "...",
                                          "features": 812, "sha256": "...", "imported_at": "..."}},
     "versions": [{"version": "3f2a...", "created": "...", "change": "import ...",
                   "rules_version": "..."}]}
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from pathlib import Path

from geo.errors import ConfigError
from geo.layers.directory import content_version
from geo.rules.model import load_rules

MANIFEST = "layers.json"
FORMAT = 1


def manifest_path(directory: str | Path) -> Path:
    """The path of the manifest file of a layers directory."""
    return Path(directory) / MANIFEST


def read_manifest(directory: str | Path) -> dict:
    """The manifest of a layers directory (an empty one when there is none yet)."""
    path = manifest_path(directory)
    if not path.exists():
        return {"format": FORMAT, "files": {}, "versions": []}
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the layers manifest: {exc}", path=path, message_id="config.unreadable",
                          message_values={"file": path.name, "reason": str(exc)}) from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ConfigError(f"not a zonasi layers manifest (format {FORMAT})", path=path,
                          message_id="config.not_manifest",
                          message_values={"format": FORMAT})
    data.setdefault("files", {})
    data.setdefault("versions", [])
    return data


def file_hash(path: Path) -> str:
    """The SHA-256 of a file's content, as hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def now() -> str:
    """The current UTC time to the second, as ISO 8601 with ``Z``."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def record(directory: str | Path, change: str, files: dict[str, dict] | None = None,
           removed: list[str] | None = None) -> dict:
    """Record a new version of ``directory`` after ``change``; returns the version entry.

    ``files`` maps paths relative to the directory (``sites/x.parquet``) to their metadata
    (source, licence, date, features, ...); their hash and the import time are added here.
    """
    directory = Path(directory)
    manifest = read_manifest(directory)
    stamp = now()
    for rel, meta in (files or {}).items():
        entry = {k: v for k, v in meta.items() if v is not None}
        entry["sha256"] = file_hash(directory / rel)
        entry.setdefault("imported_at", stamp)
        manifest["files"][rel] = entry
    for rel in removed or []:
        manifest["files"].pop(rel, None)
    previous = manifest["versions"][-1]["version"] if manifest["versions"] else None
    version = content_version(directory)
    try:
        rules_version = load_rules(directory / "rules.toml").version
    except ConfigError:
        rules_version = None
    entry = {"version": version, "created": stamp, "change": change, "previous": previous,
             "rules_version": rules_version}
    manifest["versions"].append({k: v for k, v in entry.items() if v is not None})
    _write_atomic(manifest_path(directory), manifest)
    return entry


def current(directory: str | Path) -> dict | None:
    """The latest recorded version entry, or None."""
    versions = read_manifest(directory)["versions"]
    return versions[-1] if versions else None


def _write_atomic(path: Path, data: dict) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".layers-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def inventory(layers) -> dict:
    """What a loaded :class:`~geo.layers.directory.Layers` holds: counts per file, category and regency,
    with each file's source, licence and date from the manifest."""
    import pandas as pd

    from geo.layers.directory import regency_codes

    manifest = read_manifest(layers.directory)
    sites = layers.sites
    codes = sites["regency_code"].fillna("").astype(str).to_numpy() if "regency_code" in sites.columns \
        else regency_codes(sites.geometry.to_numpy(), layers.regencies)
    names = dict(zip(layers.regencies["code"], layers.regencies["name"]))
    table = pd.DataFrame({"file": sites["layer"].astype(str), "category": sites["category"],
                          "regency_code": codes})
    counts = (table.groupby(["category", "regency_code"]).size().rename("sites").reset_index()
              .sort_values(["regency_code", "category"]))
    files = []
    for stem, n in table["file"].value_counts().sort_index().items():
        rel = next((k for k in manifest["files"] if Path(k).stem == stem), None)
        meta = manifest["files"].get(rel, {}) if rel else {}
        files.append({"file": rel or stem, "features": int(n), "source": meta.get("source"),
                      "licence": meta.get("licence"), "date": meta.get("date"),
                      "imported_at": meta.get("imported_at")})
    recorded = manifest["versions"][-1] if manifest["versions"] else None
    regency_table = layers.regency_features.table
    boundary_sources = (pd.Series(regency_table.column("boundary_source").to_pylist()).fillna("?").value_counts()
                        .to_dict() if "boundary_source" in regency_table.column_names else {})
    return {
        "directory": str(layers.directory),
        "layers_version": layers.version,
        "rules_version": layers.rules.version,
        "recorded": recorded,
        "unrecorded_change": bool(recorded and recorded["version"] != layers.version),
        "counts": [{"category": r.category, "regency_code": r.regency_code,
                    "regency": names.get(r.regency_code, ""), "sites": int(r.sites)}
                   for r in counts.itertuples()],
        "files": files,
        "regencies": {"features": len(regency_table), "boundary_sources": boundary_sources},
    }
