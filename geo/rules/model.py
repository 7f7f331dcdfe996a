"""``rules.toml``: categories with their distances and legal basis, campaign periods, and
per-regency overrides. Validated strictly: an unknown key or a bad value is an error naming the
file, the key and the line, never a silent default.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from geo.errors import ConfigError, config_problem

CATEGORIES = ("place_of_worship", "health_facility", "school", "government_office",
              "road", "public_facility", "park")
REGENCY_CODE = re.compile(r"^\d{2}\.\d{2}$")


def _category_key(key: str) -> str:
    if key not in CATEGORIES:
        raise ValueError(f"unknown category {key!r}; known: {', '.join(CATEGORIES)}")
    return key


def _regency_code(code: str) -> str:
    if not REGENCY_CODE.match(code):
        raise ValueError(f"regency code {code!r} is not a Kemendagri code like \"32.12\"")
    return code


CategoryKey = Annotated[str, AfterValidator(_category_key)]
RegencyCode = Annotated[str, AfterValidator(_regency_code)]
Metres = Annotated[float, Field(ge=0, le=10_000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Category(_Strict):
    """A category of forbidden site: its labels, buffer distance in metres and legal basis."""

    label: str = Field(min_length=1)
    label_en: str = ""
    buffer_m: Metres
    legal_basis: str = Field(min_length=1)
    # Whether a verdict of "allowed" needs this category's data complete at the spot (coverage.toml);
    # false makes it advisory: checked where there are data, never blocking an "ok".
    required: bool = True


class Period(_Strict):
    """A campaign period: a label (Indonesian, and English when given) and its first and last day
    (inclusive)."""

    label: str = ""
    label_en: str = ""
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self):
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    def contains(self, day: dt.date) -> bool:
        """Whether ``day`` falls within the period (both ends included)."""
        return self.start <= day <= self.end


class RegencyRule(_Strict):
    """A regency's own rules: buffer overrides, its own periods, or allowed-zones mode."""

    name: str = ""
    buffer_m: dict[CategoryKey, Metres] = {}
    required: dict[CategoryKey, bool] = {}
    periods: dict[str, Period] | None = None
    # Allowed-zones mode: props may stand only in the designated zones of this file (relative
    # to rules.toml): points or lines with a radius, or polygons. See geo/allowed.py.
    allowed_zones: str | None = Field(None, min_length=1)
    allowed_radius_m: Metres | None = None
    allowed_basis: str = ""
    # Hours a letter gives the participant before the removal deadline in this regency (default:
    # [settings] notice_hours), e.g. 72 (3 x 24 h) for Jakarta's regencies, 24 where 1 x 24 h applies:
    #   [regencies."31.71"]
    #   notice_hours = 72
    notice_hours: float | None = Field(None, gt=0, le=24 * 60)

    @model_validator(mode="after")
    def _allowed_needs_file(self):
        if self.allowed_zones is None and (self.allowed_radius_m is not None or self.allowed_basis):
            raise ValueError("allowed_radius_m and allowed_basis need allowed_zones (the file of designated zones)")
        return self


class RulesSettings(_Strict):
    """Settings of the rules file: the hours a notified report's prop has before its removal
    deadline, and how far (metres) outside every regency a spot is still given the nearest one."""

    notice_hours: float = Field(default=72, gt=0, le=24 * 60)
    border_snap_m: float = Field(default=500, ge=0, le=5000)
    duplicate_radius_m: float = Field(default=25, ge=0, le=1000)  # a report this near an open one may repeat it


class RulesFile(_Strict):
    """The whole ``rules.toml``: settings, categories, campaign periods and per-regency overrides."""

    title: str = ""
    settings: RulesSettings = RulesSettings()
    categories: dict[CategoryKey, Category]
    periods: dict[str, Period] = Field(min_length=1)
    regencies: dict[RegencyCode, RegencyRule] = {}

    @field_validator("categories")
    @classmethod
    def _all_categories(cls, value):
        missing = [c for c in CATEGORIES if c not in value]
        if missing:
            raise ValueError(f"category {missing[0]!r} is missing")
        return value


@dataclass(frozen=True)
class Rules:
    """Validated rules plus their version (a hash of the file's text)."""

    model: RulesFile
    version: str
    path: Path | None = None
    _text: str = field(default="", repr=False)

    @property
    def categories(self) -> tuple[str, ...]:
        """The category keys, in their fixed order (:data:`CATEGORIES`)."""
        return CATEGORIES

    def category(self, key: str) -> Category:
        """The category ``key`` (labels, buffer, legal basis)."""
        return self.model.categories[key]

    def category_label(self, key: str) -> str:
        """The label of category ``key``; ``key`` itself when it names no category (an export
        writes what it was given)."""
        try:
            return self.category(key).label
        except (KeyError, ValueError):
            return key

    def buffer_m(self, regency_code: str | None, category: str) -> float:
        """The buffer in metres for ``category`` in ``regency_code``: the regency's override, else the default."""
        override = self.model.regencies.get(regency_code or "")
        if override and category in override.buffer_m:
            return float(override.buffer_m[category])
        return float(self.model.categories[category].buffer_m)

    def required(self, regency_code: str | None, category: str) -> bool:
        """Whether ``category`` is required in ``regency_code``: the regency's override, else the category's."""
        override = self.model.regencies.get(regency_code or "")
        if override and category in override.required:
            return override.required[category]
        return self.model.categories[category].required

    def required_categories(self, regency_code: str | None) -> tuple[str, ...]:
        """The categories required in ``regency_code``, in the fixed order of :data:`CATEGORIES`."""
        return tuple(c for c in CATEGORIES if self.required(regency_code, c))

    def buffer_table(self, regency_codes) -> np.ndarray:
        """Metres per (regency, category), rows in the order of ``regency_codes``."""
        return np.array([[self.buffer_m(code, cat) for cat in CATEGORIES] for code in regency_codes],
                        dtype="float64").reshape(len(regency_codes), len(CATEGORIES))

    def periods(self, regency_code: str | None) -> dict[str, Period]:
        """The campaign periods by key for ``regency_code``: its own periods, else the general ones."""
        override = self.model.regencies.get(regency_code or "")
        if override and override.periods is not None:
            return override.periods
        return self.model.periods

    def period_at(self, regency_code: str | None, day: dt.date) -> str | None:
        """The key of the campaign period containing ``day``, or None."""
        for key, period in self.periods(regency_code).items():
            if period.contains(day):
                return key
        return None

    def check_regencies(self, known_codes) -> None:
        """Every regency the rules name must exist in the loaded layers."""
        known = set(known_codes)
        for code in self.model.regencies:
            if code not in known:
                raise ConfigError(f"regency {code} is not in the loaded regencies layer",
                                  path=self.path, line=line_of(self._text, ("regencies", code)),
                                  key=f"regencies.{code}",
                                  message_id="config.unknown_regency", message_values={"code": code})

    @property
    def notice_hours(self) -> float:
        """Hours from notification to a report's removal deadline (from the rules' settings)."""
        return self.model.settings.notice_hours

    def notice_hours_for(self, regency_code: str | None) -> float:
        """Hours from a letter to its removal deadline in ``regency_code``: the regency's own
        ``notice_hours``, else the rules' setting."""
        override = self.model.regencies.get(regency_code or "")
        if override is not None and override.notice_hours is not None:
            return float(override.notice_hours)
        return float(self.model.settings.notice_hours)

    @property
    def border_snap_m(self) -> float:
        """Metres outside every regency within which a spot is given the nearest regency (0: never)."""
        return self.model.settings.border_snap_m


def load_rules(path: str | Path) -> Rules:
    """The rules of the TOML file at ``path``; :class:`ConfigError` when unreadable or invalid."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the rules file: {exc.strerror}", path=path, message_id="config.unreadable",
                          message_values={"file": Path(path).name, "reason": str(exc.strerror)}) from exc
    return parse_rules(text, path)


def parse_rules(text: str, path: str | Path | None = None) -> Rules:
    """The rules in TOML ``text``; :class:`ConfigError` naming the line (in ``path``) when invalid."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _toml_error_line(str(exc))
        raise ConfigError(f"not valid TOML: {exc.msg if hasattr(exc, 'msg') else exc}", path=path,
                          line=line, message_id="config.not_toml",
                          message_values={"reason": str(getattr(exc, "msg", exc))}) from exc
    try:
        model = RulesFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(str(p) for p in err["loc"] if not str(p).startswith("function-after") and str(p) != "[key]")
        message, message_id, values = config_problem(err, loc[-1] if loc else "")
        raise ConfigError(message, path=path, line=line_of(text, loc), key=".".join(loc), message_id=message_id,
                          message_values=values) from exc
    version = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    return Rules(model=model, version=version, path=Path(path) if path else None, _text=text)


def _toml_error_line(message: str) -> int | None:
    found = re.search(r"line (\d+)", message)
    return int(found.group(1)) if found else None


_HEADER = re.compile(r"^\s*\[\[?\s*(.+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r'^\s*("[^"]*"|[A-Za-z0-9_.\-"]+)\s*=')


def _split_key(key: str) -> tuple[str, ...]:
    return tuple(part.strip().strip('"').strip("'") for part in re.findall(r'"[^"]*"|[^.]+', key))


def line_of(text: str, loc: tuple[str, ...]) -> int | None:
    """The line in a TOML text where the key path ``loc`` is defined (best effort)."""
    best, best_len = None, -1
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = _split_key(header.group(1))
            shared = min(len(table), len(loc))
            if table[:shared] == loc[:shared] and shared > best_len:
                best, best_len = number, shared
            continue
        key = _KEY.match(line)
        if key:
            path = table + _split_key(key.group(1))
            n = 0
            while n < min(len(path), len(loc)) and path[n] == loc[n]:
                n += 1
            if n == len(path) and n > best_len:
                best, best_len = number, n
    return best
