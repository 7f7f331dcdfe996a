"""Counts for the dashboard: forbidden sites per category and regency, reports per status,
verdict, regency, category and prop type."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc

from geo.engine.verdict import VERDICT_STATUSES
from geo.layers.directory import Layers, site_regency_codes


def _sorted(counter: Counter) -> dict:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0]))))


def site_regencies(layers: Layers) -> list[str | None]:
    """The regency code of each site: its own ``regency_code`` where the layer has one, else the
    regency containing a point on the site (None outside every regency). Computed once per layers
    version (see :func:`geo.layers.directory.site_regency_codes`)."""
    return site_regency_array(layers).to_pylist()


def site_regency_array(layers: Layers) -> pa.Array:
    """:func:`site_regencies` as an Arrow array (no Python object per site)."""
    if layers.site_regency is not None:
        return layers.site_regency
    return site_regency_codes(layers.site_features, layers.regency_features)


def regency_category_counts(layers: Layers) -> dict[str, Counter]:
    """Sites per regency code and category, counted in Arrow (a national layer has millions)."""
    table = pa.table({"regency": site_regency_array(layers),
                      "category": layers.site_features.table.column("category").cast(pa.string())})
    grouped = table.group_by(["regency", "category"]).aggregate([([], "count_all")])
    out: dict[str, Counter] = {}
    for code, category, n in zip(*(grouped.column(c).to_pylist() for c in ("regency", "category", "count_all"))):
        if code is not None:
            out.setdefault(str(code), Counter())[category] += int(n)
    return out


def site_counts(layers: Layers) -> dict:
    """``{"total", "by_category": {key: n}, "by_regency": [{"code", "name", "count"}]}``."""
    features = layers.site_features
    regencies = layers.regency_features
    names = dict(zip(regencies.column("code").astype(str), regencies.column("name").astype(str)))
    by_regency = Counter({code: sum(c.values()) for code, c in regency_category_counts(layers).items()})
    counted = pc.value_counts(features.table.column("category").cast(pa.string()).combine_chunks())
    by_category = Counter(dict(zip(counted.field("values").to_pylist(), counted.field("counts").to_pylist())))
    return {
        "total": int(len(features)),
        "by_category": _sorted(by_category),
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
