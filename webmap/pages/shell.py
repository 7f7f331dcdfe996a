"""The installable app shell (#17): the web app manifest and the service worker.

The service worker is written by hand (webmap/static/zonasi/sw.js, about a hundred lines) rather
than with Workbox: Workbox's precache manifest comes from its build tools (workbox-build, a
node build step this project does not have), while here the server itself knows the shell's files.
The worker is served from ``/sw.js`` (its scope is the whole app) with a first line naming this
shell's version and files: the version is a hash of those files, so any change of the app's
static files is a new worker, which the browser installs beside the old one; the reports queued
in IndexedDB are not the worker's and are kept.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import current_app, url_for

# Vendored files the map page needs offline (other pages' assets, sources and TTF fonts are left out).
SKIP_SUFFIXES = (".map", ".ttf", ".txt", ".md")
SKIP_PARTS = ("chartjs", "LICENSE")


def shell_files(static: Path) -> list[str]:
    """The static files of the app shell, relative to the static folder, sorted."""
    out = []
    for path in sorted(static.rglob("*")):
        rel = path.relative_to(static).as_posix()
        if not path.is_file() or path.name.endswith(SKIP_SUFFIXES) or any(p in rel for p in SKIP_PARTS):
            continue
        if rel.startswith(("zonasi/", "vendor/")) and rel != "zonasi/sw.js":
            out.append(rel)
    return out


def shell_version(static: Path, files: list[str]) -> str:
    """A short hash of the shell files' names and contents (and the worker's own code)."""
    digest = hashlib.sha256()
    for rel in [*files, "zonasi/sw.js"]:
        digest.update(rel.encode())
        digest.update((static / rel).read_bytes())
    return digest.hexdigest()[:16]


def service_worker() -> str:
    """The service worker's source: its shell (version, page and files) then webmap/static/zonasi/sw.js."""
    static = Path(current_app.static_folder or "")
    files = shell_files(static)
    shell = {"version": shell_version(static, files), "page": url_for("pages.map_page"),
             "files": [url_for("static", filename=rel) for rel in files]}
    return f"self.ZONASI_SHELL = {json.dumps(shell)};\n" + (static / "zonasi" / "sw.js").read_text("utf-8")


def manifest(name: str, description: str, lang: str) -> dict:
    """The web app manifest: the map page as a standalone app with its icons."""
    icons = [{"src": url_for("static", filename=f"zonasi/icons/icon-{size}.png"), "sizes": f"{size}x{size}",
              "type": "image/png", "purpose": "any maskable"} for size in (192, 512)]
    return {"name": name, "short_name": name, "description": description, "lang": lang,
            "start_url": url_for("pages.map_page"), "scope": "/", "display": "standalone",
            "background_color": "#212529", "theme_color": "#212529", "icons": icons}
