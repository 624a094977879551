"""The public API: keyword-only call, result, progress, atomic output, determinism."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest

from landrelease.domain import LAYERS
from landrelease.errors import UsageError
from landrelease.scenario import SCALES, CalibrationRow, ScenarioResult, generate, pipeline


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(f.relative_to(folder)): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in sorted(folder.rglob("*"))
        if f.is_file()
    }


def test_scales_are_the_three_windows() -> None:
    assert list(SCALES) == ["small", "district", "region"]
    assert SCALES["small"].size_km == (20.0, 20.0)
    assert SCALES["region"].centre is None


def test_generate_is_keyword_only(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        generate("karabakh", 1, "small", tmp_path / "x")  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kw", "word"), [({"scale": "planet"}, "scale"), ({"region": "atlantis"}, "region")]
)
def test_unknown_scale_or_region_is_refused(tmp_path: Path, kw: dict[str, str], word: str) -> None:
    with pytest.raises(UsageError, match=word):
        generate(seed=1, out=tmp_path / "x", **kw)  # type: ignore[arg-type]
    assert not (tmp_path / "x").exists()


def test_result_describes_the_package(small: ScenarioResult) -> None:
    assert dataclasses.is_dataclass(small) and small.seed == 1 and small.scale == "small"
    with pytest.raises(dataclasses.FrozenInstanceError):
        small.seed = 2  # type: ignore[misc]
    for layer in LAYERS:
        if layer.name == "qa_visits":
            continue
        assert small.counts[layer.name] == small.counts[layer.name] >= 1, layer.name
        assert (small.out / layer.filename).is_file()
    assert small.counts["truth"] == small.n_devices > 10_000
    assert all(isinstance(r, CalibrationRow) for r in small.calibration)
    assert small.seconds > 0
    lines = small.calibration_markdown().strip().splitlines()
    assert lines[0] == "| figure | generated | real reference | range | ok |"
    assert len(lines) == 2 + len(small.calibration)


def test_same_seed_same_bytes_and_output_replaced(small: ScenarioResult, tmp_path: Path) -> None:
    """A second run of the same seed gives byte-identical files, replaces whatever was in
    the output folder, reports progress in order and leaves no temporary folder."""
    out = tmp_path / "again"
    out.mkdir()
    (out / "stale.txt").write_text("from an older run")
    seen: list[tuple[str, float]] = []
    again = generate(
        seed=1, scale="small", out=out, progress=lambda step, done: seen.append((step, done))
    )
    assert _digests(again.out) == _digests(small.out)
    assert not (out / "stale.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["again"]
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert [s for s, _ in seen][-2:] == ["writing", "done"]


def test_different_seed_different_world(small: ScenarioResult, small_scenario) -> None:  # type: ignore[no-untyped-def]
    other = small_scenario(2)
    a, b = _digests(small.out), _digests(other.out)
    for name in (
        "hazards.geojson",
        "findings.geojson",
        "incidents.geojson",
        "settlements.geojson",
        "truth/items.parquet",
    ):
        assert a[name] != b[name], name


def test_failure_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(sc: object, folder: Path, **kw: object) -> dict[str, int]:
        (folder / "hazards.geojson").write_text("half")
        raise OSError("disk full")

    monkeypatch.setattr(pipeline, "write_package", broken)
    with pytest.raises(OSError, match="disk full"):
        generate(seed=3, scale="small", out=tmp_path / "pkg")
    assert list(tmp_path.iterdir()) == []


def test_the_summary_counts_devices_placed_found_and_left_as_truth_lists_them(
    small: ScenarioResult,
) -> None:
    import geopandas as gpd

    truth = gpd.read_parquet(small.out / "truth" / "items.parquet")
    removed = truth["removed_by"].value_counts()
    assert small.n_devices == len(truth)
    assert small.devices_found == removed["finding"] > 0
    assert small.devices_set_off == removed.get("incident", 0)
    assert small.devices_left == int((~truth["cleared"]).sum())
    text = small.summary()
    assert text.startswith(
        f"{len(truth):,} devices placed (truth/): {small.devices_found:,} since found and "
        f"{small.devices_set_off:,} set off in incidents, {small.devices_left:,} still in the "
        "ground; records: hazards "
    )
    assert "truth" not in text.split("records:")[1]  # the devices are not counted twice
