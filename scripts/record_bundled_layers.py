"""Record the bundled layers (built by scripts/bundle_layers.py) in layers/layers.json and write
layers/PROVENANCE.md: per file its sources, licences, date and counts. Run after bundle_layers.py.

    python scripts/record_bundled_layers.py ["what changed"]

A file whose content is unchanged keeps its recorded import time.
"""
import sys
import textwrap
from pathlib import Path

import geopandas as gpd

from geo.layers import record
from geo.layers.versions import file_hash, read_manifest

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
# The regencies' `boundary_source` values (see scripts/bundle_layers.py) -> what it is, licence, date.
BOUNDARY_SOURCES = {
    "BIG RBI50K 2023": ("BIG RBI50K Administrasi_KabKota 2023-09-07 (dmxsan/indonesia-admin-boundaries, "
                        "coverage-simplified at 10 m)", "not stated (Sumber: Badan Informasi Geospasial)",
                        "2023"),
    "cahyadsn/wilayah_boundaries": ("cahyadsn/wilayah_boundaries (simplified BIG/Kemendagri boundaries, "
                                    "Kepmendagri 300.2.2-2138/2025)", "MIT", "2025"),
}
CHANGE = "bundled from shared/data by scripts/bundle_layers.py"


def main():
    files, rows = {}, []
    regencies = gpd.read_parquet(OUT / "regencies.parquet")
    by_source = regencies["boundary_source"].value_counts()
    described = [BOUNDARY_SOURCES[s] for s in by_source.index]
    files["regencies.parquet"] = {
        "source": "; ".join(f"{d[0]} ({n})" for n, d in zip(by_source, described)),
        "licence": "; ".join(d[1] for d in described), "date": "; ".join(d[2] for d in described),
        "features": len(regencies), "boundary_sources": by_source.to_dict()}
    rows.append(("regencies.parquet", len(regencies), f"{len(regencies)} regencies",
                 "; ".join(f"{s} ({n})" for s, n in by_source.items()), files["regencies.parquet"]["licence"]))
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
    recorded = read_manifest(OUT)["files"]
    for rel, meta in files.items():  # unchanged content: the import time stays
        if recorded.get(rel, {}).get("sha256") == file_hash(OUT / rel):
            meta["imported_at"] = recorded[rel].get("imported_at")
    record(OUT, sys.argv[1] if len(sys.argv) > 1 else CHANGE, files=files)
    fallback = regencies.loc[regencies["boundary_source"] != "BIG RBI50K 2023", ["code", "name"]]
    _provenance(rows, [f"{c} {n}" for c, n in fallback.itertuples(index=False)])


def _provenance(rows, fallback):
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
        "- **BIG RBI50K Administrasi_KabKota (2023-09-07)**: the regency boundaries wherever BIG's file has",
        "  the regency (`boundary_source` = `BIG RBI50K 2023`): one national coverage simplified at 10 m",
        "  (Douglas-Peucker on the shared arcs), so neighbours share their edges exactly, with no gaps or",
        "  overlaps between them; from `../shared/data/boundaries/regencies_big_rbi50k_2023.geojson`",
        "  (see its `PROVENANCE_big_rbi50k.md`: source dmxsan/indonesia-admin-boundaries, codes matched to",
        "  Kemendagri's and checked spatially). Licence: not stated by the repository; BIG's basic",
        "  geospatial data. Attribution: **Sumber: Badan Informasi Geospasial**.",
        f"- **cahyadsn/wilayah_boundaries**: the {len(fallback)} regencies BIG's snapshot lacks",
        "  (`boundary_source` = `cahyadsn/wilayah_boundaries`; simplified boundaries that overlap or leave",
        "  gaps of a few hundred metres near borders and coasts; where one overlaps a BIG neighbour, e.g.",
        "  96.01 Sorong and 96.04 Tambrauw, it is kept as it is: the engine applies the stricter rule in",
        "  an overlap). Licence MIT. The codes:",
        *textwrap.wrap(", ".join(fallback) + ".", 100, initial_indent="  ", subsequent_indent="  "),
        "- Left out: BIG's disputed segment \"Minahasa Selatan/Bolaang Mongondow Timur\" (6.53 km², no",
        "  Kemendagri code), a hole in Sulawesi Utara: a spot there is outside every regency (one within",
        "  `border_snap_m` of a regency is given the nearest).",
        "",
        "## Known gaps",
        "- All POIs are points: no school-ground or building polygons (import them, or OpenStreetMap).",
        "- No places of worship outside Sanga-Sanga, no government offices outside Jakarta and",
        "  Sanga-Sanga, no main (protokol) roads anywhere: import them with `zonasi layers import-osm`.",
        "",
        *COVERAGE,
    ]
    (OUT / "PROVENANCE.md").write_text("\n".join(lines), "utf-8")


# What coverage.toml declares, per source, and why (kept here so that the file is written whole).
COVERAGE = [
    '## Coverage (`coverage.toml`)',
    'Where the bundled layers hold every site of a category; everywhere else a spot cannot be',
    'confirmed as allowed. Declared per source, only as far as the source supports:',
    '- **Kemdikbud school list (2019)**: no madrasah (they are registered by Kemenag), so `school` is',
    '  complete nowhere from it alone.',
    '- **Kemenkes BPPSDMK 2019**: puskesmas and hospitals only, no clinics, so `health_facility` is',
    '  complete nowhere from it alone.',
    '- **BIG Peta Dasar 1:1000 Jakarta** (dianmustofa/buffer): adds clinics, hospitals and puskesmas',
    '  in DKI Jakarta, but the extract carries no survey date and states no completeness (its',
    '  `puskesmas` layer mixes in private midwives), so `health_facility` is not declared for Jakarta',
    "  either. Its 308 government offices are fewer than Jakarta's kelurahan and kecamatan offices",
    '  alone (267 + 44), so `government_office` is not complete there.',
    '- **BIG RBI, Kec. Sanga-Sanga** (puni220704/kecamatan-sanga-sanga): the topographic layers of',
    '  one kecamatan, with madrasah, mosques and churches, puskesmas, pustu, posyandu and polindes,',
    '  kelurahan and camat offices, and every local road. Declared complete for place_of_worship,',
    '  health_facility, school, government_office and road inside the kecamatan polygon only:',
    "  `coverage/sanga_sanga.geojson` is the source's `Kecamatan_sangasanga_4` polygon (BIG RBI),",
    '  rounded to 1e-6 degrees. No date is stated by the source, so the entry has no `as_of`. The',
    "  polygon reaches 3.8 km² into Kota Samarinda (64.72) as BIG RBI50K draws Samarinda, so",
    '  `zonasi layers coverage` lists Samarinda as partial too (Kutai Kartanegara, 64.02, is one of',
    "  the regencies BIG's snapshot lacks: its boundary is from cahyadsn/wilayah_boundaries).",
    '- **OpenStreetMap**: none bundled.',
    "",
]


if __name__ == "__main__":
    main()
