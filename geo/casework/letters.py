"""Numbered warning letters (surat peringatan) to a campaign participant.

    letter = issue_letter(store, participant="Partai Contoh", regency="32.12", ids=[...],
                          actor="Bawaslu Indramayu", role="bawaslu", now=clock.now(), idempotency_key="k-1")
    letter["number"]   # "001/PP.01/32.12/I/2024"
    letter["replayed"] # True: the key had issued this letter before (nothing new was issued)

A letter numbers ``<seq>/PP.01/<regency code>/<month in Roman numerals>/<year>``: ``seq`` counts
the regency's letters of the year (three digits, more when needed), ``PP.01`` is the
classification of a violation's handling (penanganan pelanggaran), month and year are those of
the letter's time in the regency's zone (WIB, WITA, WIT). A number is never reused: the table's
unique (regency_code, year, seq) refuses a second one, and a request that lost the race takes
the next number (the whole transaction again).

Issuing is one transaction: the letter's row, and for each report the move ``verified ->
notified`` (deadline = the letter's time + the regency's ``notice_hours``, the letter's number),
its history row with ``{"letter": number}`` and its ``report.transitioned`` webhook event
(:func:`geo.store.moves.record_move`). The letter's ``annex`` keeps what it says of each prop
(place, position, photo, verdict, versions, and the little map's geometry), so the PDF drawn from
it later is the same, byte for byte, whatever the rules or layers became.

An ``idempotency_key`` makes a retry safe (as for reports): the same key from the same token
with the same request (participant, regency, ids) answers the letter it issued, even after its
reports were notified by it, and never issues a second letter nor takes a second number; with
another request it is a Conflict naming the letter. The key is unique per token in the table
(``uq_letters_idempotency_scope_key``), so of two requests racing with one key one issues the
letter and the other finds it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from geo.casework.annex import build_annex
from geo.clock import ZONES, zone_index
from geo.errors import Conflict, InputError, NotFound, Unavailable
from geo.store import stored_idempotency_key
from geo.store.faults import full_is_unavailable
from geo.store.models import Letter, Report
from geo.store.moves import record_move
from geo.store.rows import iso

if TYPE_CHECKING:
    from geo.store import Store

CLASSIFICATION = "PP.01"          # penanganan pelanggaran: the handling of a violation
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
MAX_IDS = 500                     # props in one letter
MAX_ATTEMPTS = 20                 # numbers taken by concurrent letters before giving up (503)
NUMBER = re.compile(r"^\d{3,}/[A-Z]{2}\.\d{2}/\d{2}\.\d{2}/[IVX]{1,4}/\d{4}$")


def letter_number(seq: int, regency_code: str, issued_at: dt.datetime) -> str:
    """The number of letter ``seq`` of ``regency_code`` issued at ``issued_at`` (see the module)."""
    local = local_time(issued_at, regency_code)
    return f"{seq:03d}/{CLASSIFICATION}/{regency_code}/{ROMAN[local.month - 1]}/{local.year}"


def local_time(instant: dt.datetime, regency_code: str) -> dt.datetime:
    """``instant`` in the zone of ``regency_code`` (WIB, WITA or WIT)."""
    return instant.astimezone(ZONES[int(zone_index([regency_code])[0])])


def issue_letter(store: Store, *, participant: object, regency: object, ids: object, actor: str | None,
                 role: str | None, token_id: int | None = None, now: dt.datetime,
                 idempotency_key: str | None = None) -> dict:
    """Issue a letter to ``participant`` for the verified reports ``ids`` of ``regency`` (a code
    or a name) at ``now`` and notify them (see the module). 400 for a bad field, unknown ids,
    or reports of another regency or participant; 409 for reports that are not verified (each
    error names the offending ids) or an ``idempotency_key`` already used for another request;
    503 when the numbering kept losing races. ``replayed`` in the answer: the key had issued
    this letter before (the same answer again, nothing issued)."""
    store.migrate()
    engine = store.engine
    name = _participant(participant)
    code = _regency(engine, regency)
    wanted = _ids(ids)
    key = Key.of(idempotency_key, token_id, name, code, wanted)
    if key is not None and (found := key.find(store)) is not None:
        return key.replay(found)
    try:
        rows = _reports(store, wanted)
        _check_reports(rows, wanted, code, name)
    except Conflict:   # not verified (any more): notified by this key's letter meanwhile?
        if key is not None and (found := key.find(store)) is not None:
            return key.replay(found)
        raise
    hours = engine.rules.notice_hours_for(code)
    issued_at = now.astimezone(dt.UTC)
    deadline = issued_at + dt.timedelta(hours=hours)
    annex = build_annex(engine, code, name, [rows[i] for i in wanted], hours)
    year = local_time(issued_at, code).year
    for _ in range(MAX_ATTEMPTS):
        try:
            number = _write(store, code, year, name, wanted, annex, issued_at, deadline, actor, role, token_id, key)
        except _NumberTaken:
            continue
        except _KeyTaken as taken:
            assert key is not None
            return key.replay(taken.row)
        return _answer(number, code, name, issued_at, deadline, hours, wanted, replayed=False)
    raise Unavailable(f"letter numbers of {code} were taken by {MAX_ATTEMPTS} concurrent letters; try again",
                      retry_after=1, message_id="casework.letter_busy", message_values={"regency": code})


def _answer(number: str, code: str, participant: str, issued_at: dt.datetime, deadline: dt.datetime,
            hours: float, ids: list[str], *, replayed: bool) -> dict:
    return {"number": number, "regency_code": code, "participant": participant, "issued_at": iso(issued_at),
            "deadline": iso(deadline), "notice_hours": hours, "ids": ids, "replayed": replayed}


@dataclass(frozen=True)
class Key:
    """A request's Idempotency-Key: the key, whose it is (``token:<id>``, ``""`` without a token)
    and a hash of what the request asks for (participant, regency code, ids)."""

    key: str
    scope: str
    request_hash: str

    @classmethod
    def of(cls, raw: str | None, token_id: int | None, participant: str, code: str, ids: list[str]) -> Key | None:
        """The key of a request (None without one, or with only spaces); an InputError when it
        cannot be stored (over 255 characters, a NUL)."""
        key = stored_idempotency_key(raw)
        if key is None:
            return None
        asked = json.dumps([participant, code, ids], ensure_ascii=False, separators=(",", ":"))
        return cls(key, f"token:{token_id}" if token_id is not None else "",
                   hashlib.sha256(asked.encode("utf-8")).hexdigest())

    def where(self) -> sa.ColumnElement[bool]:
        """The condition on :class:`Letter` selecting this key's letter."""
        return sa.and_(Letter.idempotency_scope == self.scope, Letter.idempotency_key == self.key)

    def find(self, store: Store) -> sa.RowMapping | None:
        """The letter this key issued, if any."""
        with store.db.connect() as connection:
            return connection.execute(sa.select(Letter.__table__).where(self.where())).mappings().first()

    def replay(self, row) -> dict:
        """The answer this key's letter ``row`` was issued with; a Conflict when the key came with
        another request."""
        if row["request_hash"] != self.request_hash:
            raise Conflict(f"Idempotency-Key {self.key!r} was already used for another letter ({row['number']}); "
                           "use a new key for a new letter", message_id="casework.letter_key_reused",
                           message_values={"key": self.key[:80], "number": row["number"]}, number=row["number"])
        return _answer(row["number"], row["regency_code"], row["participant"], row["issued_at"], row["deadline"],
                       row["annex"]["notice_hours"], list(row["report_ids"]), replayed=True)


class _NumberTaken(Exception):
    """Another letter took the number meanwhile: take the next one."""


class _KeyTaken(Exception):
    """Another request with the same key issued its letter meanwhile: answer that one."""

    def __init__(self, row):
        super().__init__()
        self.row = row


def _write(store: Store, code: str, year: int, participant: str, ids: list[str], annex: dict,
           issued_at: dt.datetime, deadline: dt.datetime, actor, role, token_id, key: Key | None) -> str:
    table = Letter.__table__
    keyed = {"idempotency_key": key.key, "idempotency_scope": key.scope,
             "request_hash": key.request_hash} if key is not None else {}
    with full_is_unavailable(), store.dialect.writer(store.db).begin() as connection:
        seq = connection.execute(sa.select(sa.func.coalesce(sa.func.max(Letter.seq), 0) + 1).where(
            Letter.regency_code == code, Letter.year == year)).scalar_one()
        number = letter_number(int(seq), code, issued_at)
        inserted = connection.execute(store.dialect.insert(table).values(
            number=number, regency_code=code, year=year, seq=int(seq), participant=participant,
            issued_at=issued_at, deadline=deadline, issued_by=actor, token_id=token_id, report_ids=ids,
            annex=annex, rules_version=store.engine.rules_version,
            layers_version=store.engine.layers_version, **keyed).returning(table.c.id)).first()
        if inserted is None:       # ON CONFLICT DO NOTHING: the number or the key is someone else's
            # (PostgreSQL waited for that transaction: its letter is committed, seen by the next statement)
            if key is not None and (row := connection.execute(sa.select(table).where(key.where())
                                                              ).mappings().first()) is not None:
                raise _KeyTaken(row)
            raise _NumberTaken
        changed = []
        for report_id in ids:
            row = record_move(connection, report_id, "verified", "notified", actor=actor, role=role,
                              token_id=token_id, details={"letter": number}, now=issued_at,
                              values={"deadline": deadline, "letter_number": number})
            if row is None:
                changed.append(report_id)
        if changed:   # raising rolls the letter and every move back
            raise Conflict(f"reports {', '.join(changed)} are no longer verified; nothing was issued",
                           message_id="casework.letter_changed", message_values={"ids": ", ".join(changed)},
                           ids=changed)
    return number


# -- checking the request --------------------------------------------------------------------------

def _participant(value: object) -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if not text or len(text) > 200:
        raise InputError("participant must be the campaign participant's name (1 to 200 characters)",
                         message_id="casework.participant", field="participant")
    return text


def _regency(engine, value: object) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if engine.regency_index(text) is not None:
        return text
    lowered = text.casefold()
    for code, name in zip(engine.regency_codes, engine.regency_names, strict=True):
        if lowered and lowered in (name.casefold(), name.casefold().removeprefix("kabupaten ").removeprefix("kota ")):
            return str(code)
    raise InputError(f"regency {text[:60]!r} is not loaded; give a Kemendagri code like 32.12 or a regency's name",
                     message_id="casework.regency", message_values={"regency": text[:60]}, field="regency")


def _ids(value: object) -> list[str]:
    if not isinstance(value, list) or not value or len(value) > MAX_IDS:
        raise InputError(f"ids must be a list of 1 to {MAX_IDS} report ids", message_id="casework.ids",
                         message_values={"limit": MAX_IDS}, field="ids")
    out: list[str] = []
    bad = []
    for raw in value:
        try:
            rid = str(uuid.UUID(str(raw))) if isinstance(raw, str) else None
        except ValueError:
            rid = None
        if rid is None:
            bad.append(str(raw)[:80])
        elif rid not in out:
            out.append(rid)
    if bad:
        raise InputError(f"these ids are no report ids: {', '.join(bad[:20])}", message_id="casework.ids_unknown",
                         message_values={"ids": ", ".join(bad[:20])}, field="ids", ids=bad[:100])
    return out


def _reports(store: Store, ids: list[str]) -> dict[str, sa.RowMapping]:
    with store.db.connect() as connection:
        rows = connection.execute(sa.select(Report.__table__).where(Report.id.in_(ids))).mappings().all()
    return {row["id"]: row for row in rows}


def _check_reports(rows: dict, ids: list[str], code: str, participant: str) -> None:
    unknown = [i for i in ids if i not in rows]
    if unknown:
        raise InputError(f"there are no reports {', '.join(unknown[:20])}", message_id="casework.ids_unknown",
                         message_values={"ids": ", ".join(unknown[:20])}, field="ids", ids=unknown)
    elsewhere = [i for i in ids if rows[i]["regency_code"] != code]
    if elsewhere:
        raise InputError(f"reports {', '.join(elsewhere[:20])} are not in regency {code}",
                         message_id="casework.ids_regency",
                         message_values={"ids": ", ".join(elsewhere[:20]), "regency": code}, field="ids",
                         ids=elsewhere)
    wanted = _same(participant)
    others = [i for i in ids if _same(rows[i]["participant"] or "") != wanted]
    if others:
        raise InputError(f"reports {', '.join(others[:20])} are not of participant {participant}",
                         message_id="casework.ids_participant",
                         message_values={"ids": ", ".join(others[:20]), "participant": participant[:80]},
                         field="ids", ids=others)
    unverified = [i for i in ids if rows[i]["status"] != "verified"]
    if unverified:
        statuses = sorted({rows[i]["status"] for i in unverified})
        raise Conflict(f"reports {', '.join(unverified[:20])} are not verified ({', '.join(statuses)}); a letter "
                       "notifies verified reports only", message_id="casework.ids_not_verified",
                       message_values={"ids": ", ".join(unverified[:20]), "statuses": ", ".join(statuses)},
                       ids=unverified)


def _same(name: str) -> str:
    return " ".join(name.split()).casefold()


# -- reading ------------------------------------------------------------------------------------------

def get_letter(store: Store, number: str) -> dict:
    """The letter ``number`` with its annex; NotFound when there is none."""
    store.migrate()
    with store.db.connect() as connection:
        row = connection.execute(sa.select(Letter.__table__).where(Letter.number == number)).mappings().first()
    if row is None:
        raise NotFound(f"there is no letter {number[:80]}", message_id="casework.letter_not_found",
                       message_values={"number": number[:80]}, number=number[:80])
    return {**letter_row(row), "annex": row["annex"]}


def letter_pdf_file(store: Store, number: str, directory: Path) -> Path:
    """The PDF of letter ``number`` as a file under ``directory``, drawn on the first download and
    kept (its bytes never change: :func:`geo.casework.pdf.letter_pdf`); NotFound when there is no
    such letter. Written whole or not at all (a temporary file renamed), so a concurrent download
    never reads half a file."""
    letter = get_letter(store, number)
    path = Path(directory) / (hashlib.sha256(number.encode("utf-8")).hexdigest()[:32] + ".pdf")
    if path.is_file():
        return path
    from geo.casework.pdf import letter_pdf

    data = letter_pdf(letter, store.photos.path)
    with full_is_unavailable():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp")
        partial.write_bytes(data)
        os.replace(partial, path)
    return path


def list_letters(store: Store, regency: str | None = None, participant: str | None = None,
                 limit: int = 100, offset: int = 0) -> tuple[list[dict], int]:
    """Letters, newest first (of ``regency``, a code or a name, and ``participant`` when given):
    (this page, number matched). An unknown regency is an InputError naming ``regency``."""
    store.migrate()
    where = []
    if regency:
        where.append(Letter.regency_code == _regency(store.engine, regency))
    if participant:
        where.append(sa.func.lower(Letter.participant) == participant.strip().lower())
    query = (sa.select(Letter.__table__).where(*where).order_by(Letter.issued_at.desc(), Letter.id.desc())
             .limit(limit).offset(min(offset, 2**62)))
    with store.db.connect() as connection:
        rows = connection.execute(query).mappings().all()
        matched = connection.execute(sa.select(sa.func.count()).select_from(Letter.__table__)
                                     .where(*where)).scalar_one()
    return [letter_row(r) for r in rows], int(matched)


def letter_row(row) -> dict:
    """A letters row as the API shows it (without the annex)."""
    return {"number": row["number"], "regency_code": row["regency_code"], "year": row["year"], "seq": row["seq"],
            "participant": row["participant"], "issued_at": iso(row["issued_at"]), "deadline": iso(row["deadline"]),
            "issued_by": row["issued_by"], "ids": list(row["report_ids"]), "rules_version": row["rules_version"],
            "layers_version": row["layers_version"]}
