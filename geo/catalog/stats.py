"""Counts for the dashboard: forbidden sites per category and regency, reports per status,
verdict, regency, category and prop type."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import geopandas as gpd
import pandas as pd

from geo.engine.verdict import VERDICT_STATUSES
from geo.layers.directory import Layers


def _sorted(counter: Counter) -> dict:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0]))))


def site_regencies(layers: Layers) -> pd.Series:
    """The regency code of each site: its own ``regency_code`` where the layer has one, else the
    regency containing a point on the site (None outside every regency)."""
    sites = layers.sites
    known = sites["regency_code"] if "regency_code" in sites.columns else pd.Series(None, index=sites.index)
    missing = known.isna()
    if missing.any():
        points = gpd.GeoDataFrame(geometry=sites.geometry[missing].representative_point(), crs=sites.crs)
        joined = gpd.sjoin(points, layers.regencies[["code", "geometry"]], how="left", predicate="within")
        joined = joined[~joined.index.duplicated(keep="first")]
        known = known.astype(object)
        known[missing] = joined["code"].reindex(points.index).to_numpy()
    return known.astype(object).where(known.notna(), None)


def site_counts(layers: Layers) -> dict:
    """``{"total", "by_category": {key: n}, "by_regency": [{"code", "name", "count"}]}``."""
    sites = layers.sites
    names = dict(zip(layers.regencies["code"].astype(str), layers.regencies["name"].astype(str)))
    by_regency = Counter(code for code in site_regencies(layers) if code is not None)
    return {
        "total": int(len(sites)),
        "by_category": _sorted(Counter(sites["category"].astype(str))),
        "by_regency": [{"code": code, "name": names.get(code, code), "count": n}
                       for code, n in _sorted(by_regency).items()],
    }


def report_counts(rows: Iterable[dict]) -> dict:
    """Reports (dicts with status, regency_code, regency_name, category, apk_type, and
    current_verdict or verdict_status) counted in Python: the reference for
    :func:`grouped_report_counts` (the dashboard counts in SQL)."""
    status: Counter[str | None] = Counter()
    verdict: Counter[str | None] = Counter()
    apk_type: Counter[str | None] = Counter()
    category: Counter[str] = Counter()
    regency: Counter[str] = Counter()
    names: dict[str, str] = {}
    for row in rows:
        status[row.get("status")] += 1
        verdict[row.get("current_verdict") or row.get("verdict_status")] += 1
        apk_type[row.get("apk_type")] += 1
        if row.get("category"):
            category[row["category"]] += 1
        code = row.get("regency_code")
        if code:
            regency[code] += 1
            names[code] = row.get("regency_name") or code
    return grouped_report_counts({"status": status, "verdict": verdict, "category": category,
                                  "apk_type": apk_type, "regency": regency, "regency_name": names})


def grouped_report_counts(groups: dict) -> dict:
    """``{"total", "by_status", "by_verdict", "by_category", "by_apk_type", "by_regency":
    [{"code", "name", "count"}]}`` from counters by status, verdict (the current one), category,
    apk_type and regency (code) and the regencies' names (as ``geo.store.Store.report_groups``
    gives them). ``by_verdict`` has every status of ``VERDICT_STATUSES`` in its order, zeros
    included (``incomplete``: reports to check on site), then any other stored status."""
    names = groups["regency_name"]
    verdicts = groups.get("verdict") or Counter()
    return {
        "total": sum(groups["status"].values()),
        "by_status": _sorted(groups["status"]),
        "by_verdict": {**{key: int(verdicts.get(key, 0)) for key in VERDICT_STATUSES},
                       **{str(key): int(n) for key, n in verdicts.items() if key not in VERDICT_STATUSES}},
        "by_category": _sorted(groups["category"]),
        "by_apk_type": _sorted(groups["apk_type"]),
        "by_regency": [{"code": code, "name": names.get(code) or code, "count": n}
                       for code, n in _sorted(groups["regency"]).items()],
    }
