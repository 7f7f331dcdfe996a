"""The messy-but-valid export that offices really get, for ``bench/validate.py`` and the
validation tests: Indonesian Excel style (UTF-8 with BOM, ';', CRLF, trailing empty columns),
decimal commas and points, degrees-minutes-seconds in two spellings, notes with quotes and line
breaks in them, blank lines, dates as DD/MM/YYYY, an APK id column, 1% of rows reported twice.
Points lie around the bundled sites (a mix of violations and allowed spots) over the bundled areas.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geo.layers import load_layers


def write_messy_export(path: Path, rows: int, seed: int) -> None:
    """Write the messy-but-valid export of ``rows`` rows to ``path`` (see the module docstring);
    the same ``seed`` gives the same bytes."""
    rng = np.random.default_rng(seed)
    sites = load_layers(None).sites
    anchor = sites.geometry.representative_point()
    pick = rng.integers(0, len(sites), rows)
    spread = np.where(rng.random(rows) < 0.5, 0.0003, 0.004)  # ~30 m or ~450 m around a site
    lat = anchor.y.to_numpy()[pick] + rng.normal(0, 1, rows) * spread
    lon = anchor.x.to_numpy()[pick] + rng.normal(0, 1, rows) * spread
    ids = np.array([f"APK-{i:07d}" for i in range(1, rows + 1)], dtype=object)
    again = np.flatnonzero(rng.random(rows) < 0.01)
    again = again[again > 0]
    source = (again * rng.random(len(again))).astype(int)
    lat[again], lon[again], ids[again] = lat[source], lon[source], ids[source]

    form = rng.choice(5, rows, p=[0.45, 0.2, 0.15, 0.1, 0.1])
    lat_text = _format(lat, form, "lat")
    lon_text = _format(lon, form, "lon")
    days = pd.Timestamp("2023-11-28") + pd.to_timedelta(rng.integers(0, 75, rows), unit="D")
    dates = pd.Series(days).dt.strftime("%d/%m/%Y").to_numpy(dtype=object)
    kinds = np.array(["Baliho", "Spanduk", "Umbul-umbul", "Poster", "Bendera"], dtype=object)[rng.integers(0, 5, rows)]
    parties = np.array(["Partai Merah", "Partai Biru", "Paslon 01", "Paslon 02", "Caleg DPRD"], dtype=object)
    notes = np.array(["", "", "", "dekat pertigaan", '"ditempel di pohon; ""besar"""',
                      '"di pagar sekolah\r\nsebelah kiri"', "tiang listrik"], dtype=object)
    table = pd.DataFrame({
        "No": np.arange(1, rows + 1).astype(str), "ID APK": ids, "Peserta": parties[rng.integers(0, 5, rows)],
        "Jenis APK": kinds, "Lintang": lat_text, "Bujur": lon_text, "Tanggal": dates,
        "Keterangan": notes[rng.integers(0, len(notes), rows)],
    })
    lines = table["No"].str.cat([table[c] for c in table.columns[1:]], sep=";") + ";;"
    blank = rng.random(rows) < 0.001
    lines = lines.where(~blank, "\r\n" + lines)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        handle.write(";".join(table.columns) + ";;\r\n")
        for start in range(0, rows, 200_000):
            handle.write("\r\n".join(lines.iloc[start:start + 200_000]) + "\r\n")


def _format(values: np.ndarray, form: np.ndarray, axis: str) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    dec = pd.Series(np.round(values, 6)).map("{:.6f}".format).to_numpy(dtype=object)
    comma = np.char.replace(dec.astype(str), ".", ",").astype(object)
    out[form == 0] = comma[form == 0]
    out[form == 1] = dec[form == 1]
    letter = np.where(values < 0, "S" if axis == "lat" else "W", "N" if axis == "lat" else "E")
    a = np.abs(values)
    d = np.floor(a).astype(int)
    m = np.floor((a - d) * 60).astype(int)
    s = np.round(((a - d) * 60 - m) * 60, 1)
    s = np.minimum(s, 59.9)
    for code, fmt in ((2, "{d}°{m}'{s:.1f}\"{h}"), (3, "{h} {d} {m} {s:.1f}"), (4, " {c} ")):
        idx = np.flatnonzero(form == code)
        out[idx] = [fmt.format(d=d[i], m=m[i], s=s[i], h=letter[i], c=comma[i]) for i in idx]
    # a field with a double quote is quoted, its quotes doubled (as Excel writes it)
    dms = form == 2
    out[dms] = ['"' + v.replace('"', '""') + '"' for v in out[dms]]
    return out
