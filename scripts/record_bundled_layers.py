"""Record the bundled layers (built by scripts/bundle_layers.py) in layers/layers.json and write
layers/PROVENANCE.md: per file its sources, licences, date and counts. Run after bundle_layers.py.

    python scripts/record_bundled_layers.py
"""
from pathlib import Path

import geopandas as gpd

from geo.layers import record

HERE = Path(__file__).resolve().parent.parent
OUT = HERE / "layers"

# Source repository (the part of the `source` column before ":") -> what it is and its licence.
SOURCES = {
    "suryavip/daftar-sekolah-indonesia": ("Kemdikbud school list (2019 extract)", "MIT", "2019"),
    "akirawisnu/faskes-indonesia-2019-scrapper": ("Kemenkes BPPSDMK health facilities 2019",
                                                  "not stated (public Kemenkes data)", "2019"),
    "dianmustofa/buffer": ("BIG Peta Dasar 1:1000 Jakarta", "not stated (BIG basemap, open)", None),
    "puni220704/kecamatan-sanga-sanga": ("BIG RBI, Kec. Sanga-Sanga (qgis2web layers)",
                                         "not stated (BIG RBI, open)", None),
}
REGENCIES = ("cahyadsn/wilayah_boundaries (simplified BIG/Kemendagri boundaries, Kepmendagri "
             "300.2.2-2138/2025)", "MIT")


def main():
    files, rows = {}, []
    regencies = gpd.read_parquet(OUT / "regencies.parquet")
    files["regencies.parquet"] = {"source": REGENCIES[0], "licence": REGENCIES[1], "date": "2025",
                                  "features": len(regencies)}
    rows.append(("regencies.parquet", len(regencies), f"{len(regencies)} regencies", REGENCIES[0], REGENCIES[1]))
    for path in sorted((OUT / "sites").glob("*.parquet")):
        sites = gpd.read_parquet(path)
        repos = sites["source"].str.split(":").str[0].value_counts()
        described = [SOURCES[r] for r in repos.index]
        categories = sites["category"].value_counts().to_dict()
        files[f"sites/{path.name}"] = {
            "source": "; ".join(f"{d[0]} ({r}, {n})" for (r, n), d in zip(repos.items(), described)),
            "licence": "; ".join(dict.fromkeys(d[1] for d in described)),
            "date": "; ".join(dict.fromkeys(d[2] for d in described if d[2])) or None,
            "features": len(sites), "categories": categories}
        rows.append((f"sites/{path.name}", len(sites), ", ".join(f"{k} {v}" for k, v in categories.items()),
                     "; ".join(f"{r} ({n})" for r, n in repos.items()), files[f"sites/{path.name}"]["licence"]))
    record(OUT, "bundled from shared/data by scripts/bundle_layers.py", files=files)
    _provenance(rows)


def _provenance(rows):
    lines = [
        "# Provenance of the bundled layers",
        "",
        "Built from the project's shared test data by `scripts/bundle_layers.py` (GeoJSON -> GeoParquet,",
        "columns kept as they are) and recorded by `scripts/record_bundled_layers.py` in `layers.json`,",
        "which `zonasi layers list` reads. Every record is real, public data; nothing synthetic was added.",
        "See the shared data's PROVENANCE.md for each source's commit, the fixes that were applied",
        "(swapped coordinates, repaired boundaries, dropped records) and the known limits.",
        "",
        "| file | features | by category | sources (records) | licence |",
        "|---|---|---|---|---|",
        *[f"| `{f}` | {n} | {c} | {s} | {lic} |" for f, n, c, s, lic in rows],
        "",
        "## Sources",
        "- **suryavip/daftar-sekolah-indonesia** (`result/<kode>.json`): a 2019 extract of Kemdikbud's school",
        "  list (npsn, name, form, coordinates). Licence MIT.",
        "- **akirawisnu/faskes-indonesia-2019-scrapper**: Kemenkes BPPSDMK 2019 puskesmas and hospitals.",
        "  Licence not stated; the data are public Kemenkes data.",
        "- **dianmustofa/buffer**: BIG Peta Dasar 1:1000 Jakarta (government offices, hospitals, puskesmas,",
        "  clinics). Licence not stated; BIG basemap data (open).",
        "- **puni220704/kecamatan-sanga-sanga**: BIG RBI layers of Kec. Sanga-Sanga, Kutai Kartanegara",
        "  (schools, places of worship, government, health, roads). Licence not stated; BIG RBI (open).",
        "- **cahyadsn/wilayah_boundaries**: the 514 regency boundaries (simplified; neighbours overlap or",
        "  leave gaps of a few hundred metres near borders and coasts). Licence MIT.",
        "",
        "## Known gaps",
        "- All POIs are points: no school-ground or building polygons (import them, or OpenStreetMap).",
        "- No places of worship outside Sanga-Sanga, no government offices outside Jakarta and",
        "  Sanga-Sanga, no main (protokol) roads anywhere: import them with `zonasi layers import-osm`.",
        "",
    ]
    (OUT / "PROVENANCE.md").write_text("\n".join(lines), "utf-8")


if __name__ == "__main__":
    main()
