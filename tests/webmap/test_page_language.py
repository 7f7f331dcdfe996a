"""The pages' language (#18): ?lang=, then the cookie, then the browser's Accept-Language, then
the configured default, as the API answers (webmap.language.language_of)."""
from __future__ import annotations

import re

import pytest


def page_lang(response) -> str:
    return re.search(r'<html lang="(\w+)">', response.get_data(as_text=True)).group(1)


@pytest.mark.parametrize("path", ["/", "/batch", "/violations", "/dashboard"])
def test_accept_language_chooses_the_page_language_without_a_choice_made(client, path):
    assert page_lang(client.get(path, headers={"Accept-Language": "en-US,en;q=0.9"})) == "en"
    assert page_lang(client.get(path, headers={"Accept-Language": "id-ID,id;q=0.9,en;q=0.5"})) == "id"
    assert page_lang(client.get(path, headers={"Accept-Language": "fr-FR"})) == "id"  # the default
    assert page_lang(client.get(path)) == "id"


def test_a_choice_made_wins_over_the_browser(client):
    english = {"Accept-Language": "en"}
    assert page_lang(client.get("/?lang=id", headers=english)) == "id"
    assert page_lang(client.get("/", headers=english)) == "id"  # the cookie ?lang= set
    client.delete_cookie("zonasi_lang")
    assert page_lang(client.get("/", headers=english)) == "en"


def test_every_page_links_its_icons(client):
    html = client.get("/batch").get_data(as_text=True)
    for icon in ("favicon-32.png", "icon-192.png"):
        assert icon in html
        response = client.get(f"/static/zonasi/icons/{icon}")
        response.close()
        assert response.status_code == 200
    assert 'rel="apple-touch-icon"' in html and 'rel="manifest"' in html
