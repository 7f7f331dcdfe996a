"""Guessing how a spreadsheet export was written: its encoding and its delimiter."""
from __future__ import annotations

import codecs
import csv
import io
import re

DELIMITERS = (",", ";", "\t", "|")
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
FALLBACK = "zonasi-cp1252"
_BLANK_RUNS = re.compile(r"(?:\r\n|\r|\n)(?:[ \t]*(?:\r\n|\r|\n))+")


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Bytes that are not UTF-8 are read as Windows-1252 (latin-1 for its five holes)."""
    assert isinstance(exc, UnicodeDecodeError)  # a handler for decoding only
    bad = exc.object[exc.start:exc.end]
    text = "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in bad)
    return text, exc.end


codecs.register_error(FALLBACK, _cp1252_fallback)


def detect_encoding(head: bytes) -> tuple[str, str]:
    """(codec, error handler) for a file starting with ``head``.

    UTF-8 (with or without BOM) and UTF-16 with BOM are recognised; anything else is read as
    UTF-8 where it is valid and as Windows-1252 where it is not, so no byte is ever lost.
    """
    for bom, codec in BOMS:
        if head.startswith(bom):
            return codec, "replace" if codec == "utf-16" else FALLBACK
    try:
        head.decode("utf-8")
        return "utf-8", FALLBACK
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and exc.reason == "unexpected end of data":
            return "utf-8", FALLBACK
    return "cp1252", FALLBACK


def encoding_label(codec: str) -> str:
    """The name people know for ``codec`` (``cp1252`` -> ``Windows-1252``), or ``codec`` itself."""
    labels = {"utf-8-sig": "UTF-8 (BOM)", "utf-8": "UTF-8", "utf-16": "UTF-16", "cp1252": "Windows-1252"}
    return labels.get(codec, codec)


def detect_delimiter(sample: str) -> str:
    """The delimiter of a CSV sample: the candidate splitting the header into the most fields
    that the following lines agree with; "," when nothing splits the header."""
    if not sample.strip(" \t\r\n,;|"):  # nothing but delimiters: the most frequent one
        return max(DELIMITERS, key=sample.count)
    # Runs of blank lines change no record's field count (inside quotes neither): one break for
    # each run, so a sample of blank lines costs one pass, not one per candidate.
    sample = _BLANK_RUNS.sub("\n", sample)
    records = _records(sample, ",")
    header_text = next((line for line in sample.splitlines() if line.strip()), "")
    best, best_score = ",", (0, 0.0)
    for delimiter in DELIMITERS:
        rows = _records(sample, delimiter)
        if not rows:
            continue
        width = len(rows[0])
        if width < 2:
            continue
        body = rows[1:] or rows[:1]
        agree = sum(1 for r in body if len(r) == width or (len(r) > width and not any(r[width:])))
        score = (1 if agree / len(body) >= 0.5 else 0, width)
        if score > best_score:
            best, best_score = delimiter, score
    if best_score == (0, 0.0) and records and header_text:
        # One column: take the whole line as its value (a "lat, lon" pair holds commas).
        return next((d for d in ("\t", "|", ";", ",") if d not in sample), ",")
    return best


def _records(sample: str, delimiter: str, limit: int = 50) -> list[list[str]]:
    out = []
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, strict=False)
    try:
        for row in reader:
            if any(field.strip() for field in row):
                out.append(row)
            if len(out) >= limit:
                break
    except csv.Error:
        pass
    return out[:-1] if len(out) > 1 and not sample.endswith(("\n", "\r")) else out
