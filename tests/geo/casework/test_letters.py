"""Letters on both backends: numbering per regency and year (never reused, also under concurrent
requests), the reports' moves with their history and webhook events in one transaction, the
checks that name the offending ids, per-regency notice hours, and the PDF read back."""
from __future__ import annotations

import datetime as dt
import subprocess
import threading

import pytest
import sqlalchemy as sa

from geo import Engine, load_layers
from geo.casework import get_letter, issue_letter, letter_number, letter_pdf, list_letters
from geo.config import Settings
from geo.errors import Conflict, InputError
from geo.store import Store
from geo.store.models import Delivery, Event, Letter, Webhook
from zonasi.testing.casework import SCHOOLS, casework_layers, verified
from zonasi.testing.threads import run_in_threads

NOW = dt.datetime(2024, 1, 15, 3, 0, tzinfo=dt.UTC)     # 10:00 WIB


@pytest.fixture()
def world(tmp_path, store_url):
    directory = casework_layers(tmp_path)
    settings = Settings(instance_dir=tmp_path / "instance", layers_dir=directory, database_url=store_url)
    with Store.from_settings(settings, Engine(load_layers(directory))) as store:
        store.migrate()
        yield store


def issue(store, ids, *, regency="32.12", participant="Partai Contoh", now=NOW):
    return issue_letter(store, participant=participant, regency=regency, ids=ids, actor="Bawaslu Test",
                        role="bawaslu", token_id=None, now=now)


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_number_format():
    assert letter_number(1, "32.12", NOW) == "001/PP.01/32.12/I/2024"
    # the month and year are the regency's: 31 December 23:30 WIT is already January in Papua
    assert letter_number(12, "91.01", dt.datetime(2024, 12, 31, 15, 30, tzinfo=dt.UTC)) == "012/PP.01/91.01/I/2025"
    assert letter_number(1234, "32.12", dt.datetime(2024, 12, 1, tzinfo=dt.UTC)) == "1234/PP.01/32.12/XII/2024"


def test_letter_notifies_its_reports_in_one_transaction(world):
    store = world
    with store.db.begin() as connection:       # a webhook that wants the moves
        connection.execute(sa.insert(Webhook.__table__).values(
            url="http://127.0.0.1:9/hook", events=["report.transitioned"], secret="s", created_at=NOW))
    ids = verified(store, n=3)
    letter = issue(store, ids)
    assert letter["number"] == "001/PP.01/32.12/I/2024" and letter["ids"] == ids
    assert letter["deadline"] == "2024-01-18T03:00:00Z" and letter["notice_hours"] == 72
    for rid in ids:
        report = store.get_report(rid)
        assert report["status"] == "notified" and report["letter_number"] == letter["number"]
        assert report["deadline"] == "2024-01-18T03:00:00Z"
    with store.db.connect() as connection:
        events = connection.execute(sa.select(Event.report_id, Event.to_status, Event.details, Event.actor).where(
            Event.to_status == "notified")).all()
        deliveries = connection.execute(sa.select(Delivery.payload)).scalars().all()
    assert sorted(e.report_id for e in events) == sorted(ids)
    assert all(e.details == {"letter": letter["number"]} and e.actor == "Bawaslu Test" for e in events)
    notices = [p for p in deliveries if '"to":"notified"' in p]
    assert len(notices) == 3 and all(f'"letter":"{letter["number"]}"' in p for p in notices)
    second = issue(store, verified(store, n=1))
    assert second["number"] == "002/PP.01/32.12/I/2024"


def test_numbers_per_regency_and_year(world):
    store = world
    assert issue(store, verified(store))["number"].startswith("001/PP.01/32.12/")
    assert issue(store, verified(store, "32.09"), regency="32.09")["number"] == "001/PP.01/32.09/I/2024"
    assert issue(store, verified(store))["number"] == "002/PP.01/32.12/I/2024"
    next_year = dt.datetime(2025, 2, 3, 3, tzinfo=dt.UTC)
    assert issue(store, verified(store), now=next_year)["number"] == "001/PP.01/32.12/II/2025"
    rows, matched = list_letters(store, regency="32.12")
    assert matched == 3 and [r["number"] for r in rows][0] == "001/PP.01/32.12/II/2025"


def test_regency_notice_hours_set_the_deadline(world):
    store = world
    letter = issue(store, verified(store, "32.09"), regency="32.09")
    assert letter["notice_hours"] == 24 and letter["deadline"] == "2024-01-16T03:00:00Z"
    assert store.engine.rules.notice_hours_for("32.12") == 72 and store.engine.rules.notice_hours_for(None) == 72


def test_a_regency_by_name(world):
    store = world
    name = str(store.engine.regency_names[store.engine.regency_index("32.12")])
    letter = issue(store, verified(store), regency=name.removeprefix("Kabupaten ").upper())
    assert letter["regency_code"] == "32.12"


def test_refusals_name_the_offending_ids_and_change_nothing(world):
    store = world
    good = verified(store, n=2)
    other_regency = verified(store, "32.09")
    other_party = verified(store, participant="Partai Lain")
    reported = verified(store, status="reported")
    missing = "00000000-0000-4000-8000-000000000000"
    cases = [
        (good + other_regency, InputError, "casework.ids_regency", other_regency),
        (good + other_party, InputError, "casework.ids_participant", other_party),
        (good + [missing], InputError, "casework.ids_unknown", [missing]),
        (good + ["not-a-uuid"], InputError, "casework.ids_unknown", ["not-a-uuid"]),
        (good + reported, Conflict, "casework.ids_not_verified", reported),
    ]
    for ids, error, key, offending in cases:
        with pytest.raises(error) as caught:
            issue(store, ids)
        assert caught.value.message_id == key and caught.value.details["ids"] == offending
    for bad in ({"participant": " "}, {"regency": "99.99"}, {"ids": []}, {"ids": "x"}):
        kwargs = {"participant": "Partai Contoh", "regency": "32.12", "ids": good, **bad}
        with pytest.raises(InputError):
            issue_letter(store, actor="t", role="bawaslu", now=NOW, **kwargs)
    assert all(store.get_report(rid)["status"] == "verified" for rid in good)
    with store.db.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(Letter.__table__)).scalar_one() == 0


def test_a_report_moved_meanwhile_rolls_the_letter_back(world):
    """The reports are checked, then moved in the letter's transaction: one that another request
    moved in between makes the whole letter fail (no letter row, no move, no number used)."""
    store = world
    ids = verified(store, n=2)
    moved = []

    def move_first(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO LETTERS") and not moved:
            moved.append(True)
            # as another request would have done just before (SQLite: inside the same write lock)
            cursor.execute("UPDATE reports SET status = 'removed' WHERE id = " + ("?" if store.backend == "sqlite"
                                                                                  else "%s"), (ids[1],))

    sa.event.listen(store.db, "before_cursor_execute", move_first)
    try:
        with pytest.raises(Conflict) as caught:
            issue(store, ids)
    finally:
        sa.event.remove(store.db, "before_cursor_execute", move_first)
    assert caught.value.message_id == "casework.letter_changed" and caught.value.details["ids"] == [ids[1]]
    assert store.get_report(ids[0])["status"] == "verified"
    with store.db.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(Letter.__table__)).scalar_one() == 0
    # the number was not used: the next letter takes 001
    assert issue(store, [ids[0]])["number"] == "001/PP.01/32.12/I/2024"


def test_a_number_taken_meanwhile_is_not_reused(world):
    """Another node committed letter 001 after this request read the highest number: the insert
    finds the number taken and the whole letter is written again with 002."""
    store = world
    ids = verified(store)
    rival = verified(store)
    taken = []

    def rival_first(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO LETTERS") and not taken:
            taken.append(True)
            row = {"number": "001/PP.01/32.12/I/2024", "regency_code": "32.12", "year": 2024, "seq": 1,
                   "participant": "Partai Contoh", "issued_at": NOW, "deadline": NOW, "report_ids": rival,
                   "annex": {}, "rules_version": "x", "layers_version": "x"}
            if store.backend == "sqlite":      # writers are serialised: the rival's row is in this transaction
                cursor.execute("INSERT INTO letters (number, regency_code, year, seq, participant, issued_at, "
                               "deadline, report_ids, annex, rules_version, layers_version) VALUES "
                               "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               (row["number"], "32.12", 2024, 1, "Partai Contoh", "2024-01-15 03:00:00.000000",
                                "2024-01-15 03:00:00.000000", "[]", "{}", "x", "x"))
            else:                              # another connection commits first
                other = sa.create_engine(store.url.replace("postgresql://", "postgresql+psycopg://", 1)
                                         if store.url.startswith("postgresql://") else store.url)
                with other.begin() as connection:
                    connection.execute(sa.insert(Letter.__table__).values(**row))
                other.dispose()

    sa.event.listen(store.db, "before_cursor_execute", rival_first)
    try:
        letter = issue(store, ids)
    finally:
        sa.event.remove(store.db, "before_cursor_execute", rival_first)
    assert taken
    if store.backend == "postgresql":
        assert letter["number"] == "002/PP.01/32.12/I/2024"
        rows, _ = list_letters(store, regency="32.12")
        assert sorted(r["number"] for r in rows) == ["001/PP.01/32.12/I/2024", "002/PP.01/32.12/I/2024"]
    else:   # the rival's row went with the lost attempt (same transaction); the retry is 001 again
        assert letter["number"] == "001/PP.01/32.12/I/2024"
    assert store.get_report(ids[0])["letter_number"] == letter["number"]


def test_concurrent_letters_get_distinct_numbers(world):
    store = world
    groups = [verified(store) for _ in range(6)]
    barrier = threading.Barrier(len(groups))
    numbers = []

    def one(ids):
        barrier.wait()
        numbers.append(issue(store, ids)["number"])

    assert run_in_threads(one, [(ids,) for ids in groups]) == []
    assert sorted(numbers) == [f"{i:03d}/PP.01/32.12/I/2024" for i in range(1, 7)]
    for ids in groups:
        letter = store.get_report(ids[0])["letter_number"]
        assert letter in numbers and get_letter(store, letter)["ids"] == ids


def test_the_pdf_says_the_letter_and_stays_the_same(world, tmp_path):
    store = world
    ids = verified(store, n=2) + verified(store, n=1, with_photo=False)
    letter = issue(store, ids)
    first = letter_pdf(get_letter(store, letter["number"]), store.photos.path)
    assert first[:5] == b"%PDF-" and letter_pdf(get_letter(store, letter["number"]), store.photos.path) == first
    text = pdf_text(first, tmp_path)
    flat = " ".join(text.split())
    assert letter["number"] in flat and "Partai Contoh" in flat and SCHOOLS["32.12"][0] in flat
    basis = store.engine.rules.category("school").legal_basis
    assert " ".join(basis.split()) in flat
    assert "18 Januari 2024 pukul 10.00 WIB" in flat and "3 x 24 jam" in flat
    assert all(rid in flat for rid in ids) and "(tanpa foto)" in flat



@pytest.mark.parametrize("value", ["0", "-5", "100000", '"soon"'])
def test_a_bad_regency_notice_hours_is_a_config_error_naming_the_line(value):
    from geo.errors import ConfigError
    from geo.rules import parse_rules
    from zonasi.testing.casework import RULES

    text = RULES + f'\n[regencies."31.71"]\nnotice_hours = {value}\n'
    with pytest.raises(ConfigError) as caught:
        parse_rules(text)
    assert caught.value.details["key"] == "regencies.31.71.notice_hours" and caught.value.details["line"]
    assert parse_rules(RULES + '\n[regencies."31.71"]\nnotice_hours = 72\n').notice_hours_for("31.71") == 72


def test_a_single_notice_without_a_letter_takes_the_regencys_hours_too(world):
    """POST /api/reports/<id>/transitions to notified (no letter) gives the same deadline a letter
    would: the regency's notice_hours (24 h in 32.09), else the setting (72 h)."""
    store = world
    for code, hours in (("32.09", 24), ("32.12", 72)):
        rid = verified(store, code)[0]
        moved = store.transition(rid, "notified", actor="Bawaslu test", role="bawaslu")
        deadline = dt.datetime.fromisoformat(moved["deadline"].replace("Z", "+00:00"))
        status_at = dt.datetime.fromisoformat(moved["status_at"].replace("Z", "+00:00"))
        assert deadline - status_at == dt.timedelta(hours=hours), code
