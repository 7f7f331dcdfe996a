"""The data zonasi serves, as OGC-shaped feature collections (sites, regencies, zones, reports, violations),
and the dashboard's counts."""
from geo.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "served": ["Collections", "ORDER"],
    "features": ["CRS84", "Collection", "CollectionInfo", "FrameCollection", "Page", "Query"],
    "params": ["parse_interval", "parse_list"],
    "geometry": ["DECIMALS", "MAX_SIMPLIFY_ZOOM", "frame_bbox", "geometry_description", "geometry_types"],
    "reports": ["store_collections"],
    "zones": ["ZonesCollection"],
    "coverage": ["CoverageView", "coverage_view"],
    "stats": ["grouped_report_counts", "report_counts", "site_counts"],
    "tiles": ["MEDIA_TYPE", "POINT_ZOOM", "TILED", "VectorTiles", "etag", "violations_tile"],
    "tilegrid": ["CRS_3857", "TMS_ID", "TMS_URI", "Tile", "mercator", "tile_matrix_limits", "tile_matrix_set"],
    "sites": ["SiteCollection"],
    "offline": ["bbox_bundle", "bundle_bytes", "check_size", "regency_bundle"],
})
