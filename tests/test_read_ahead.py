"""geo.csvin.ahead: a file's chunks read by a child process are the chunks read here."""
from __future__ import annotations

import errno
import io
import time

import pytest

from geo.csvin import CsvFile, detect
from geo.csvin.ahead import ReadAhead
from geo.validate import Validator

pytestmark = pytest.mark.skipif(not ReadAhead.available(), reason="reading ahead needs POSIX")

MESSY = ("\ufeffNo;Nama;Lintang;Bujur;Tanggal;;\r\n"
         "1;\"Baliho\r\n\r\n  \r\nbesar\";-6,3;108,3;01/01/2024;;\r\n"  # blank lines inside a value
         "\r\n\r\n"                                                    # blank lines between records
         "2;\"say \"\"hi\"\"\";6°19'37.2\"S;108,4;2024-01-02;;\r\n"  # a stray quote in a value
         "3;x;-6,5;108,5;;;extra\r\n"                                  # a value beyond the header
         + "".join(f"{i};n{i};-6,{i};108,{i};03/01/2024;;\r\n" for i in range(4, 400))
         + "400;z;-6,7;108,7;;;")                                        # no final line break


@pytest.fixture(params=["utf-8", "cp1252"])
def messy(tmp_path, request):
    """The same rows as UTF-8 (pyarrow's path) and as Windows-1252 (the csv module's)."""
    path = tmp_path / f"messy-{request.param}.csv"
    text = MESSY if request.param == "utf-8" else MESSY.lstrip("\ufeff").replace("n4;", "caf\u00e9;")
    path.write_bytes(text.encode(request.param))
    return path


def _chunks(source):
    return [(c.table, c.lines.tolist(), c.problems) for c in source]


def test_the_chunks_are_the_ones_read_here(messy):
    with CsvFile(messy) as csv:
        expected = _chunks(csv.chunks(64))
    with ReadAhead(messy, rows=64, window=2) as ahead:
        got = _chunks(ahead.chunks())
        assert ahead.position == messy.stat().st_size
    assert len(got) == len(expected) > 5
    for (table, lines, problems), (table2, lines2, problems2) in zip(got, expected):
        assert table.equals(table2) and lines == lines2 and problems == problems2
    assert any(problems for _, _, problems in got)  # the extra value, as a problem of its row


def test_a_validation_writes_the_same_bytes(engine, messy):
    validator = Validator(engine, at_column="Tanggal", chunk_rows=1000, jobs=2)
    here, there = io.BytesIO(), io.BytesIO()
    validator.run(messy, here)
    with ReadAhead(messy, rows=1000) as ahead:
        summary = validator.run(messy, there, ahead=ahead)
    assert there.getvalue() == here.getvalue() and summary.rows == 400


def test_no_more_than_the_window_waits(messy):
    with CsvFile(messy) as csv:
        count = sum(1 for _ in csv.chunks(10))
    with ReadAhead(messy, rows=10, window=2) as ahead:
        chunks = ahead.chunks()
        next(chunks)
        time.sleep(0.5)  # the child runs ahead, as far as it may
        assert 1 <= len(list(ahead._directory.iterdir())) <= 2
        assert 1 + sum(1 for _ in chunks) == count > 30
    assert not ahead._directory.exists()


def test_the_childs_error_is_raised_here(tmp_path):
    with ReadAhead(tmp_path / "missing.csv") as ahead, pytest.raises(FileNotFoundError):
        next(ahead.chunks())


def test_a_child_that_dies_is_an_error_not_a_short_file(messy):
    with ReadAhead(messy, rows=10, window=1) as ahead:
        chunks = ahead.chunks()
        next(chunks)
        ahead._child.kill()
        with pytest.raises(OSError) as raised:
            for _ in chunks:
                pass
        assert raised.value.errno == errno.EIO and "ended unexpectedly" in str(raised.value)
    assert not ahead._directory.exists()


def test_closing_early_stops_the_child_and_removes_its_files(messy):
    ahead = ReadAhead(messy, rows=10, window=4)
    next(ahead.chunks())
    ahead.close()
    assert ahead._child.returncode is not None and not ahead._directory.exists()


def test_the_cli_leaves_no_files_behind(tmp_path, messy, monkeypatch):
    from click.testing import CliRunner

    from zonasi.cli import cli

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr("geo.csvin.ahead.SHARED_MEMORY", tmp_path / "none")  # so: tempfile.tempdir
    out = tmp_path / "hasil.csv"
    ok = CliRunner().invoke(cli, ["validate", str(messy), "-o", str(out), "--at-column", "Tanggal"])
    assert ok.exit_code == 0, ok.output
    bad = CliRunner().invoke(cli, ["validate", str(messy), "-o", str(out), "--layers", str(tmp_path)])
    assert bad.exit_code == 2 and "rules.toml" in bad.output
    assert list((tmp_path / "tmp").iterdir()) == []
    with CsvFile(out) as csv:
        detect(csv.columns, "Tanggal")
        assert sum(len(c) for c in csv.chunks()) == 400
