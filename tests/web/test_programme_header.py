"""The web header shows the programme profile: its name and logo, served from the workspace."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from landrelease.store.programme import set_programme
from landrelease.web import context
from tests.store.test_programme import png
from tests.web.conftest import app_workspace


def test_the_header_names_the_programme_and_draws_its_logo(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context, "PROGRAMME_TTL_S", 0.0)  # read on every page here
    page = client.get("/map").text
    assert (
        '<a class="brand" href="/" title="landrelease"><span class="name">landrelease</span></a>'
        in page
    )
    assert client.get("/programme/logo").status_code == 404

    (tmp_path / "logo.png").write_bytes(png())
    set_programme(
        app_workspace(client),
        actor="im",
        name="CMAC national programme",
        logo=tmp_path / "logo.png",
    )
    page = client.get("/dashboard").text
    assert (
        '<a class="brand" href="/" title="CMAC national programme">'
        '<img class="logo" src="/programme/logo" alt="">'
        '<span class="name">CMAC national programme</span></a>' in page
    )
    assert "<title>Dashboard — CMAC national programme</title>" in page
    logo = client.get("/programme/logo")
    assert logo.status_code == 200 and logo.content == png()
    assert logo.headers["content-type"] == "image/png"
    assert "script-src 'self';" in logo.headers["content-security-policy"]  # no inline script
