"""Shared fixtures: the bundled layers, an engine, a Flask app on a temporary instance folder."""
from __future__ import annotations

from pathlib import Path

import pytest

from geo import Engine, load_layers
from geo.config import Settings
from geo.layers import bundled_layers_dir

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def layers():
    return load_layers(bundled_layers_dir())


@pytest.fixture(scope="session")
def engine(layers):
    return Engine(layers)


@pytest.fixture()
def settings(tmp_path):
    return Settings(instance_dir=tmp_path / "instance")


@pytest.fixture()
def app(settings, engine):
    from webmap import create_app

    app = create_app(settings, engine=engine)
    app.config["TESTING"] = True
    return app


@pytest.fixture()
def client(app):
    return app.test_client()
