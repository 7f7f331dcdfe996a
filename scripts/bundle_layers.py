"""Build the bundled layers (layers/) from ../shared/data: run once when the shared data change.

    python scripts/bundle_layers.py [SHARED_DATA_DIR]
"""
import sys
from pathlib import Path

import geopandas as gpd

HERE = Path(__file__).resolve().parent.parent
SHARED = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent / "shared" / "data"
OUT = HERE / "layers"
KEEP = ["name", "category", "source_category", "source", "source_id", "regency_code", "note"]


def main():
    reg = gpd.read_file(SHARED / "boundaries" / "regencies_indonesia.geojson", engine="pyogrio")
    reg = reg[["code", "name", "name_short", "regency_type", "province", "province_code", "geometry"]]
    reg.sort_values("code").to_parquet(OUT / "regencies.parquet", compression="zstd")
    print(f"regencies: {len(reg)}")
    (OUT / "sites").mkdir(exist_ok=True)
    for path in sorted([*SHARED.glob("poi/*.geojson"), *SHARED.glob("roads/*.geojson")]):
        sites = gpd.read_file(path, engine="pyogrio")[KEEP + ["geometry"]]
        sites.to_parquet(OUT / "sites" / f"{path.stem}.parquet", compression="zstd")
        print(f"{path.stem}: {len(sites)} {sites['category'].value_counts().to_dict()}")


if __name__ == "__main__":
    main()
