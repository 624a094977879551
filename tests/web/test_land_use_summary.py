"""Land in use inside a hazard, summed by kind for the hazard page."""

from __future__ import annotations

import pytest

from landrelease.web.small_map import land_use_by_kind


def test_records_are_summed_by_kind_the_most_hectares_first() -> None:
    rows = [
        {"land_use_id": "LU-1", "kind": "built", "area_ha": 2.0},
        {"land_use_id": "LU-2", "kind": "grazed", "area_ha": 1.5},
        {"land_use_id": "LU-3", "kind": "grazed", "area_ha": 1.25},
        {"land_use_id": "LU-4", "kind": "road", "area_ha": 0.25},
        {"land_use_id": "LU-5", "kind": "grazed", "area_ha": 0.5},
    ]
    kinds = land_use_by_kind(rows)
    assert [(k["words"], k["records"]) for k in kinds] == [
        ("grazed", 3),
        ("built on", 1),
        ("used as a road", 1),
    ]
    assert [k["area_ha"] for k in kinds] == pytest.approx([3.25, 2.0, 0.25])
    assert sum(k["area_ha"] for k in kinds) == pytest.approx(sum(r["area_ha"] for r in rows))
    assert land_use_by_kind([]) == []
