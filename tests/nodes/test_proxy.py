"""X-Forwarded-* are trusted only as configured (ZONASI_PROXY_HOPS, default 0: never)."""
from __future__ import annotations

import pytest

from geo.config import Settings
from geo.errors import ConfigError
from tests.conftest import settings_for_tests

FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "maps.example.org", "X-Forwarded-Port": "443",
             "X-Forwarded-For": "203.0.113.7"}


def _self_link(app) -> str:
    landing = app.test_client().get("/ogc?f=json", headers=FORWARDED, base_url="http://10.0.0.11:8000").json
    return next(link["href"] for link in landing["links"] if link["rel"] == "self")


def test_forwarded_headers_are_ignored_by_default(tmp_path, engine):
    from webmap import create_app

    app = create_app(settings_for_tests(instance_dir=tmp_path / "i"), engine=engine)
    assert _self_link(app) == "http://10.0.0.11:8000/ogc"


def test_one_trusted_proxy_makes_the_links_the_callers(tmp_path, engine):
    from webmap import create_app

    app = create_app(settings_for_tests(instance_dir=tmp_path / "i", proxy_hops=1), engine=engine)
    assert _self_link(app) == "https://maps.example.org/ogc"
    servers = app.test_client().get("/openapi.json", headers=FORWARDED, base_url="http://10.0.0.11:8000").json
    assert servers["servers"] == [{"url": "https://maps.example.org"}]


def test_one_trusted_proxy_takes_only_the_last_forwarded_value(tmp_path, engine):
    """A client's own X-Forwarded-Host before the proxy's is not believed."""
    from webmap import create_app

    app = create_app(settings_for_tests(instance_dir=tmp_path / "i", proxy_hops=1), engine=engine)
    headers = {**FORWARDED, "X-Forwarded-Host": "evil.example, maps.example.org"}
    landing = app.test_client().get("/ogc?f=json", headers=headers, base_url="http://10.0.0.11:8000").json
    assert {link["href"].split("/")[2] for link in landing["links"] if link["href"].startswith("http")} == {
        "maps.example.org"}


def test_the_setting_is_read_from_the_environment():
    assert Settings.from_env({}).proxy_hops == 0
    assert Settings.from_env({"ZONASI_PROXY_HOPS": "2"}).proxy_hops == 2
    with pytest.raises(ValueError, match="ZONASI_PROXY_HOPS"):
        Settings.from_env({"ZONASI_PROXY_HOPS": "one"})


def test_a_negative_number_of_proxies_is_refused(tmp_path, engine):
    from webmap import create_app

    with pytest.raises(ConfigError, match="ZONASI_PROXY_HOPS"):
        create_app(settings_for_tests(instance_dir=tmp_path / "i", proxy_hops=-1), engine=engine)
