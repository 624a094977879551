"""The programme profile: checked values, kept in the workspace (GeoPackage and PostGIS, older
workspaces too), set through the command line with nothing written when a value is refused."""

from __future__ import annotations

import gzip
import io
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from landrelease.cli import app
from landrelease.domain.programme import Programme, check_logo, money, updated
from landrelease.errors import UsageError
from landrelease.store import Workspace
from landrelease.store.programme import read_programme, set_programme
from tests.store.test_indexes import V1_GPKG

runner = CliRunner()


def png(colour: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (120, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


def test_values_are_checked_and_every_problem_is_named_at_once() -> None:
    p = updated(Programme(), name=" CMAC ", currency="khr", languages="km, en")
    assert (p.name, p.currency, p.languages) == ("CMAC", "KHR", ("km", "en"))
    with pytest.raises(UsageError) as err:
        updated(p, currency="riel", languages="KM,en", estimate_total=-1)
    text = str(err.value)
    assert "currency 'riel': accepted a three-letter ISO 4217 code" in text
    assert "languages KM: accepted ISO 639 codes" in text
    assert "official estimate -1: accepted a number > 0" in text
    with pytest.raises(UsageError, match="give --official-estimate"):
        updated(p, experts_saving=1e9)
    q = updated(p, estimate_total=2e9, estimate_source="national strategy 2024")
    assert q.estimates is not None and q.estimates.total == 2e9
    assert updated(q, experts_saving=5e8).estimates.source == "national strategy 2024"  # type: ignore[union-attr]
    assert updated(q, clear_estimates=True).estimates is None
    assert money(25e9, "USD", digits=0) == "USD 25 bn" and money(6.84e9, "USD") == "USD 6.8 bn"
    assert money(2.4e8, "KHR") == "KHR 240 million"
    assert money(-1.08e7, "USD") == "USD \u221210.8 million"  # a loss reads with a minus sign


def test_the_forecast_saving_reads_without_minus_zero() -> None:
    from landrelease.cli.display.plans import _millions, _signed

    assert [_millions(v) for v in (3.04e6, -4e3, -4.2e5, 1.234e7)] == [
        "3.0",
        "0",
        "\u22120.4",
        "12",
    ]
    assert [_signed(v) for v in (0.004, -0.00004, -0.012)] == ["0.4%", "0.0%", "\u22121.2%"]


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("empty.png", b"", "the file is empty"),
        ("logo.gif", b"GIF89a" + b"\0" * 20, "not an image this reads"),
        ("cut.png", png()[:60], "starts like a PNG but cannot be read"),
        ("big.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 1_000_001, "more than the 1,000,000 accepted"),
        (
            "s.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>',
            "<script>",
        ),
        ("s.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>', "event handler"),
        (
            "s.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>',
            "refers to 'file:///etc/passwd'",
        ),
        (
            "s.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><style>a{fill:url(http://x/y)}</style></svg>',
            "style refers to 'http://x/y'",
        ),
        ("s.svg", b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "b">]><svg/>', "DOCTYPE"),
        ("s.svg", b'<?xml version="1.0"?><html/>', "root is not <svg>"),
    ],
)
def test_a_logo_is_read_not_guessed_from_its_name(name: str, data: bytes, problem: str) -> None:
    with pytest.raises(UsageError, match="accepted") as err:
        check_logo(name, data)
    assert f"logo {name}" in str(err.value) and problem in str(err.value)


def test_good_logos_are_kept_with_their_type() -> None:
    assert check_logo("a.png", png()).media_type == "image/png"
    buf = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buf, "JPEG")
    assert check_logo("a.jpg", buf.getvalue()).media_type == "image/jpeg"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>'
    assert check_logo("a.svg", svg).media_type == "image/svg+xml"


def test_the_profile_is_kept_in_the_workspace(workspace: Workspace, tmp_path: Path) -> None:
    assert read_programme(workspace) == Programme()  # none by default, no official figure
    (tmp_path / "logo.png").write_bytes(png())
    set_programme(
        workspace,
        actor="im",
        logo=tmp_path / "logo.png",
        name="CMAC national programme",
        country="Cambodia",
        languages="km,en",
        estimate_total=1.2e9,
    )
    got = read_programme(workspace)
    assert got.name == "CMAC national programme" and got.languages == ("km", "en")
    assert got.logo is not None and got.logo.data == png() and got.estimates.total == 1.2e9  # type: ignore[union-attr]
    # a refused value writes nothing, not even the good ones beside it
    with pytest.raises(UsageError):
        set_programme(workspace, actor="im", name="Other", currency="dollars")
    assert read_programme(workspace) == got
    set_programme(workspace, actor="im", no_logo=True, clear_estimates=True)
    after = read_programme(workspace)
    assert after.logo is None and after.estimates is None and after.name == got.name
    with workspace.engine.connect() as conn:
        notes = conn.exec_driver_sql(
            "SELECT actor, note FROM audit_log WHERE record_id = 'programme'"
        ).fetchall()
    assert [tuple(n) for n in notes] == [("im", "programme profile")] * 2


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_logo_that_is_not_a_regular_file_is_refused_before_it_is_read(
    workspace: Workspace, tmp_path: Path
) -> None:
    fifo = tmp_path / "logo.png"
    os.mkfifo(fifo)  # reading it would block for ever
    with pytest.raises(UsageError, match="not a regular file"):
        set_programme(workspace, actor="im", logo=fifo)


def test_an_older_workspace_reads_an_empty_profile_and_takes_one(tmp_path: Path) -> None:
    target = tmp_path / "v1.gpkg"
    with gzip.open(V1_GPKG) as src, target.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    with Workspace.open(str(target)) as ws:
        assert read_programme(ws) == Programme()
        set_programme(ws, actor="im", name="Older programme")
    with Workspace.open(str(target)) as ws:
        assert read_programme(ws).name == "Older programme"


def test_the_command_teaches_and_sets(tmp_path: Path) -> None:
    ws = str(tmp_path / "w.gpkg")
    assert runner.invoke(app, ["init", ws]).exit_code == 0
    res = runner.invoke(app, ["profile", "set", "--help"])
    assert res.exit_code == 0
    help_text = " ".join(res.output.split())
    for option in ("--name", "--logo", "--official-estimate", "--languages", "--currency"):
        assert option in help_text
    assert "None by default" in help_text
    res = runner.invoke(app, ["profile", "show", "-w", ws])
    assert res.exit_code == 0 and "a forecast states no national figure" in res.output
    (tmp_path / "logo.png").write_bytes(png())
    res = runner.invoke(
        app,
        [
            *("profile", "set", "-w", ws, "--name", "CMAC", "--country", "Cambodia"),
            *("--logo", str(tmp_path / "logo.png"), "--languages", "km,en"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "CMAC" in res.output and "logo.png (image/png" in res.output
    res = runner.invoke(app, ["profile", "set", "-w", ws, "--currency", "dollars"])
    assert res.exit_code == 2 and "ISO 4217" in res.output
