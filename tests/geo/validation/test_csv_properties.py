"""Property tests: the reader recovers any table any writer wrote, with its line numbers; it never
fails on arbitrary bytes; validation always gives one output row per input row."""
from __future__ import annotations

import csv
import io
import re
from unittest import mock

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from geo.exports.defuse import defuse_formula
from geo.validation import RESULT_COLUMNS, Validator
from geo.validation.reading import CsvFile, UnreadableFile, fast
from geo.validation.reading.reader import BLANK

FIELD = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True)
BREAKS = re.compile(r"\r\n|\r|\n")


def read_all(data: bytes):
    with CsvFile(data) as reader:
        rows, lines = [], []
        for chunk in reader.chunks(7):  # small chunks: rows cross chunk boundaries
            rows += [list(r.values()) for r in chunk.table.to_pylist()]
            lines += chunk.lines.tolist()
        return reader, rows, lines


@st.composite
def written_tables(draw):
    names = draw(st.lists(NAMES, min_size=2, max_size=5, unique=True))
    rows = draw(st.lists(st.lists(FIELD, min_size=len(names), max_size=len(names)), max_size=25))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    terminator = draw(st.sampled_from(["\r\n", "\n"]))
    if terminator == "\n":  # Python's writer leaves a lone \r unquoted then; real writers do not
        rows = [[v.replace("\r", "\n") for v in row] for row in rows]
    blank_before = draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows)))
    text = io.StringIO(newline="")
    writer = csv.writer(text, delimiter=delimiter, lineterminator=terminator)
    writer.writerow(names)
    line = 2
    expected = []
    for row, blank in zip(rows, blank_before):
        if blank:
            text.write(terminator)
            line += 1
        start = text.tell()
        writer.writerow(row)
        record = text.getvalue()[start:]
        if any(v.strip(BLANK) for v in row):
            expected.append((line, row))
        line += len(BREAKS.findall(record))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    try:
        data = text.getvalue().encode(encoding)
    except UnicodeEncodeError:
        data = text.getvalue().encode("utf-8")
    return names, expected, data, delimiter


@settings(max_examples=150, deadline=None)
@given(written_tables(), st.sampled_from([48, 256, fast.BLOCK_BYTES]))
def test_reader_recovers_every_row_and_its_line(table, block):
    names, expected, data, delimiter = table
    with mock.patch.object(fast, "BLOCK_BYTES", block):  # small blocks: cuts between records
        reader, rows, lines = read_all(data)
    assert reader.columns == names
    assert reader.delimiter == delimiter
    assert rows == [row for _, row in expected]
    assert lines == [line for line, _ in expected]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_never_break_the_reader(data):
    try:
        reader, rows, lines = read_all(data)
    except UnreadableFile as exc:
        assert exc.message
        return
    physical = len(BREAKS.findall(data.decode("latin-1"))) + 1
    assert lines == sorted(set(lines))
    assert all(reader.header_line < line <= physical for line in lines)
    assert all(len(row) == len(reader.columns) for row in rows)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.binary(max_size=400), header=st.sampled_from([b"lat,lon,nama\n", b"nama;lintang;bujur\r\n",
                                                             b"koordinat\tnama\n"]))
def test_validation_gives_one_output_row_per_input_row(engine, body, header):
    data = header + body
    try:
        _, rows, _ = read_all(data)
    except UnreadableFile:
        assume(False)
    out = io.BytesIO()
    summary = Validator(engine, chunk_rows=5).run(data, out)
    with CsvFile(out.getvalue()) as results:
        table = [r for chunk in results.chunks(1000) for r in chunk.table.to_pylist()]
        columns = results.columns
    assert summary.rows == len(rows) == len(table)
    assert columns[-len(RESULT_COLUMNS):] == list(RESULT_COLUMNS)
    width = len(columns) - len(RESULT_COLUMNS)
    assert [list(r.values())[:width] for r in table] == [[defuse_formula(v) for v in row] for row in rows]
    assert all(r["status"] in ("ok", "violation", "outside_area", "outside_period", "invalid") for r in table)
    assert all(bool(r["error"]) == (r["status"] == "invalid") for r in table)


@pytest.mark.parametrize("chunk_rows", [1, 3, 1000])
def test_chunk_size_does_not_change_results(engine, chunk_rows):
    lines = ["lat,lon,id_apk"] + [f"-6.{327000 + i % 7},108.{325000 + i % 5},{i % 2}" for i in range(40)]
    data = ("\n".join(lines) + "\n").encode()
    outs = []
    for size in (chunk_rows, 10_000):
        out = io.BytesIO()
        Validator(engine, chunk_rows=max(size, 1)).run(data, out)
        outs.append(out.getvalue())
    assert outs[0] == outs[1]
    assert b"violation" in outs[0] or b"ok" in outs[0]


PIECES = st.sampled_from(["a", "b", ",", ";", '"', "\n", "\r", "\r\n", " ", "é", "\t", "x;y", '""', ';"', '";'])


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=80).map("".join), st.sampled_from([16, 17, 64, fast.BLOCK_BYTES]))
def test_fast_path_reads_exactly_what_the_careful_path_reads(text, block):
    data = text.encode("utf-8")

    def read(careful):
        def give_up(csv, rows, tick):
            csv.fallback_from = (None, None)
            return iter(())

        with mock.patch.object(fast, "chunks", give_up if careful else fast.chunks), \
                mock.patch.object(fast, "BLOCK_BYTES", fast.BLOCK_BYTES if careful else block):
            try:
                with CsvFile(data) as reader:
                    return [(int(line), tuple(row.values()), chunk.problems.get(i))
                            for chunk in reader.chunks(5)
                            for i, (line, row) in enumerate(zip(chunk.lines, chunk.table.to_pylist()))]
            except UnreadableFile as exc:
                return exc.message

    assert read(careful=False) == read(careful=True)
