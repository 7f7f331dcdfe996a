"""Warning letters: thin handlers over :mod:`geo.casework`.

    POST /api/letters                {"participant", "regency", "ids"} (bawaslu, admin): 201
                                     {"number", "deadline", "ids", "pdf", ...}; with an
                                     Idempotency-Key a retry answers the same letter (200,
                                     Idempotent-Replayed: true), never a second one
    GET  /api/letters?regency=..     the letters, newest first (bawaslu, satpolpp, admin)
    GET  /api/letters/<number>.pdf   the printable letter, the same bytes at every download
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, current_app, request

from geo import InputError
from geo.casework import issue_letter, letter_pdf_file, list_letters

from .. import auth
from ..services import services
from .reports import page_args

bp = Blueprint("letters", __name__, url_prefix="/api")


def pdf_url(number: str) -> str:
    """Where the PDF of letter ``number`` is served (its slashes stay path separators)."""
    return f"/api/letters/{quote(number, safe='/')}.pdf"


@bp.post("/letters")
def issue():
    """Issue a numbered letter for verified reports of one regency and participant; they become notified.
    ``Idempotency-Key`` header: a retry with the same key and body answers the letter issued the
    first time (200, ``Idempotent-Replayed: true``) instead of a 409 on its now notified reports."""
    who = auth.require_status("notified")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InputError('send {"participant": "...", "regency": "32.12", "ids": ["..."]} as JSON',
                         message_id="casework.letter_body", field="participant")
    s = services()
    letter = issue_letter(s.store, participant=data.get("participant"), regency=data.get("regency"),
                          ids=data.get("ids"), actor=who.name, role=who.role, token_id=who.id, now=s.clock.now(),
                          idempotency_key=request.headers.get("Idempotency-Key"))
    replayed = letter.pop("replayed")
    letter["pdf"] = pdf_url(letter["number"])
    response = current_app.json.response(letter)
    response.status_code = 200 if replayed else 201
    response.headers["Location"] = letter["pdf"]
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.get("/letters")
def letters():
    """The letters, newest first, one page (limit, offset), of ``regency`` (a code) and ``participant`` when given."""
    auth.require("violations:read")
    limit, offset = page_args()
    rows, matched = list_letters(services().store, regency=request.args.get("regency") or None,
                                 participant=request.args.get("participant") or None, limit=limit, offset=offset)
    for row in rows:
        row["pdf"] = pdf_url(row["number"])
    return {"letters": rows, "numberMatched": matched, "numberReturned": len(rows)}


@bp.get("/letters/<path:number>.pdf")
def letter(number: str):
    """The letter as a printable A4 PDF in Indonesian, with its annex (drawn once, then kept in the
    instance folder: the same bytes at every download)."""
    auth.require("violations:read")
    s = services()
    path = letter_pdf_file(s.store, number, s.settings.instance_dir / "letters")
    response = Response(path.read_bytes(), mimetype="application/pdf")
    filename = "surat-" + "".join(c if c.isalnum() else "-" for c in number) + ".pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
