"""Build the bundled layers (layers/) from ../shared/data: run once when the shared data change.

    python scripts/bundle_layers.py [SHARED_DATA_DIR]

The regencies come from BIG RBI50K 2023 (boundaries/regencies_big_rbi50k_2023.geojson), with the
cahyadsn/wilayah_boundaries polygons (boundaries/regencies_indonesia.geojson) for the codes BIG lacks.
"""
import sys
from pathlib import Path

import geopandas as gpd

HERE = Path(__file__).resolve().parent.parent
SHARED = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent / "shared" / "data"
OUT = HERE / "layers"
KEEP = ["name", "category", "source_category", "source", "source_id", "regency_code", "note"]
REGENCY_COLUMNS = ["code", "name", "name_short", "regency_type", "province", "province_code"]
# The regency boundaries: BIG's RBI50K (2023, one gap-free coverage, neighbours share their edges)
# wherever it has the regency; the cahyadsn/wilayah_boundaries polygons for the codes it lacks.
BIG = ("regencies_big_rbi50k_2023.geojson", "BIG RBI50K 2023")
FALLBACK = ("regencies_indonesia.geojson", "cahyadsn/wilayah_boundaries")


def regencies(shared: Path) -> gpd.GeoDataFrame:
    """The bundled regencies: every Kemendagri code of the fallback file, with BIG's polygon where
    BIG has one, and a ``boundary_source`` column naming where each polygon comes from. Where a
    fallback polygon overlaps a BIG neighbour it is kept as it is (the engine applies the stricter
    rule there and names both)."""
    big = gpd.read_file(shared / "boundaries" / BIG[0], engine="pyogrio").set_index("code")
    fallback = gpd.read_file(shared / "boundaries" / FALLBACK[0], engine="pyogrio")
    reg = fallback[[*REGENCY_COLUMNS, "geometry"]].sort_values("code").reset_index(drop=True)
    unknown = sorted(set(big.index) - set(reg["code"]))
    if unknown:
        raise SystemExit(f"{BIG[0]}: codes not in {FALLBACK[0]}: {unknown}")
    from_big = reg["code"].isin(big.index).to_numpy()
    reg.loc[from_big, "geometry"] = big.loc[reg.loc[from_big, "code"], "geometry"].to_numpy()
    reg["boundary_source"] = [BIG[1] if b else FALLBACK[1] for b in from_big]
    return gpd.GeoDataFrame(reg, geometry="geometry", crs=4326)


def main():
    reg = regencies(SHARED)
    # zstd at level 19: 9.7 MB instead of 19 MB at the default level (BIG has 1.3M vertices); read
    # as fast
    reg.to_parquet(OUT / "regencies.parquet", compression="zstd", compression_level=19, index=False)
    print(f"regencies: {len(reg)} {reg['boundary_source'].value_counts().to_dict()}")
    print("  from the fallback: " + ", ".join(reg.loc[reg["boundary_source"] == FALLBACK[1], "code"]))
    (OUT / "sites").mkdir(exist_ok=True)
    for path in sorted([*SHARED.glob("poi/*.geojson"), *SHARED.glob("roads/*.geojson")]):
        sites = gpd.read_file(path, engine="pyogrio")
        if missing := [c for c in KEEP if c not in sites.columns]:  # e.g. a raw OSM extract
            print(f"{path.stem}: not bundled (no {', '.join(missing)} columns)")
            continue
        sites = sites[KEEP + ["geometry"]]
        sites.to_parquet(OUT / "sites" / f"{path.stem}.parquet", compression="zstd")
        print(f"{path.stem}: {len(sites)} {sites['category'].value_counts().to_dict()}")


if __name__ == "__main__":
    main()
