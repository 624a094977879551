"""The survey's parts of a hazard cover all of it, edge cells included."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pytest
import shapely

from landrelease.evidence.grid import Grid, HazardCells
from landrelease.survey.decisions import CLEAR, SURVEY, SurveyRule, _parts

GRID = Grid("EPSG:32638", 1000.0, 2000.0, 20.0, 12, 10)
"""12 × 10 cells of 20 m: x from 1,000 to 1,240, y from 1,800 to 2,000."""


def test_the_parts_add_up_to_the_hazard_even_where_its_edge_cuts_cells() -> None:
    hazards = gpd.GeoDataFrame(
        {"hazard_id": ["HZ-1", "HZ-2"]},
        geometry=[
            # edges off the cell lines, one half a millimetre into the column of cells to its west
            shapely.Polygon([(1019.9995, 1805), (1187, 1811), (1181, 1999.96), (1019.9995, 1990)]),
            shapely.box(1150.0, 1900.0, 1233.0, 1957.0),  # overlaps HZ-1, later: holds its cells
        ],
        crs=GRID.crs,
    )
    geoms = hazards.geometry.values.to_numpy()
    rows, cols, ids = HazardCells(geoms, GRID).cells()
    x, _ = GRID.centres(rows, cols)
    code = np.where(x < 1090, CLEAR, SURVEY).astype(np.int8)  # two decisions side by side
    run = SimpleNamespace(
        grid=GRID,
        evidence=SimpleNamespace(hazards=hazards),
        probability=np.full(GRID.shape, 0.1),
        expected=np.full(GRID.shape, 0.2),
    )
    records, _, _ = _parts(run, SurveyRule(min_part_m2=0.0), (rows, cols, ids), code)  # type: ignore[arg-type]
    for i, hz in enumerate(geoms):
        mine = [r for r in records if r["hazard_id"] == hazards["hazard_id"].iloc[i]]
        shapes = [r["geometry"] for r in mine]
        assert all(shapely.is_valid(s) for s in shapes)
        assert sum(r["area_m2"] for r in mine) == pytest.approx(hz.area, rel=1e-9)
        assert shapely.area(shapely.union_all(shapes)) == pytest.approx(hz.area, rel=1e-9)
        # the figures come from the hazard's own cells only
        assert sum(r["expected_devices"] for r in mine) == pytest.approx(0.2 * (ids == i + 1).sum())
    assert {r["decision"] for r in records if r["hazard_id"] == "HZ-1"} == {
        "technical_survey",
        "clearance",
    }


@pytest.mark.parametrize(
    ("p_any", "opening"),
    [(0.02, "98.0% confident that no device remains"), (0.97, "Devices likely remain")],
)
def test_a_cancelled_part_says_plainly_whether_a_device_likely_remains(
    p_any: float, opening: str
) -> None:
    from landrelease.survey.decisions import _confidence

    row = SimpleNamespace(
        decision="cancel",
        area_m2=120_000.0,
        p_any_device=p_any,
        expected_devices=3.5 if p_any > 0.5 else 0.02,
        devices_bound=9.25,
    )
    text = _confidence(row, caveat="", level=0.9)
    assert text.startswith(opening)
    assert "12.0 ha" in text
    assert "at most 9.25 at 90% confidence" in text
    if p_any > 0.5:
        assert "the chance that none remains is 3.0%" in text
