"""Small hand-made evidence packages for the tests: every layer, a few records each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# A 1 km × 1 km square near Aghdam, in degrees (≈ 0.01174° lon × 0.009° lat at 40° N).
LON0, LAT0 = 46.90, 39.95


def square(x: float, y: float, d: float = 0.01) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]],
    }


def point(x: float, y: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [x, y]}


def line(x: float, y: float) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [[x, y], [x + 0.02, y + 0.01], [x + 0.04, y]]}


def feature(props: dict[str, Any], geometry: dict[str, Any] | None) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def activity(
    activity_id: str, kind: str, hazard_id: str, outcome: str, start: str, end: str
) -> dict[str, Any]:
    """The properties of one activity record."""
    return {
        "activity_id": activity_id,
        "type": kind,
        "hazard_id": hazard_id,
        "start": start,
        "end": end,
        "outcome": outcome,
    }


def write_fc(path: Path, features: list[dict[str, Any]], **extra: Any) -> Path:
    # UTF-8 as it is, as the exporter writes: GDAL's JSON parser misreads some escaped surrogate pairs
    text = json.dumps(
        {"type": "FeatureCollection", **extra, "features": features}, ensure_ascii=False
    )
    path.write_text(text, encoding="utf-8")
    return path


def layer_features() -> dict[str, list[dict[str, Any]]]:
    """Valid records for every spatial layer."""
    x, y = LON0, LAT0
    return {
        "hazards": [
            feature(
                {
                    "hazard_id": f"HZ-{i}",
                    "classification": "SHA" if i % 2 else "CHA",
                    "status": "active",
                    "district": "Aghdam",
                    "reported": f"2021-03-0{i + 1}",
                    "blockages": ["road", "agriculture"] if i == 0 else ["housing"],
                    "device_types": ["AP"],
                    "local_name": f"field {i}",
                },
                square(x + 0.02 * i, y),
            )
            for i in range(3)
        ],
        "activities": [
            feature(
                {
                    "activity_id": "ACT-1",
                    "type": "TS",
                    "hazard_id": "HZ-0",
                    "start": "2022-04-01",
                    "end": "2022-05-15",
                    "outcome": "reduced",
                    "organisation": "ANAMA",
                    "asset": ["manual", "dog"],
                    "depth_cm": 15,
                    "status": "approved",
                    "date_of_information": "2022-05-20",
                },
                square(x, y, 0.005),
            ),
            feature(
                {
                    "activity_id": "ACT-2",
                    "type": "clearance",
                    "hazard_id": "HZ-1",
                    "start": "2023-06-01",
                    "end": "2023-09-30",
                    "outcome": "cleared",
                    "asset": "machine",
                    "status": "submitted",
                },
                square(x + 0.02, y, 0.004),
            ),
        ],
        "findings": [
            feature(
                {
                    "finding_id": f"FD-{i}",
                    "device": ["AP", "AT", "UXO"][i],
                    "date": f"2022-05-0{i + 1}",
                    "activity_id": "ACT-1",
                    "model": ["PMN-2", "TM-62", None][i],
                    "depth_cm": 10.5,
                    "destroyed": True,
                },
                point(x + 0.001 * (i + 1), y + 0.001),
            )
            for i in range(3)
        ],
        "incidents": [
            feature(
                {
                    "incident_id": "INC-1",
                    "date": "2021-07-12",
                    "killed": 1,
                    "injured": 2,
                    "device": "AP",
                    "activity": "agriculture",
                    "civilian": True,
                    "victims": [
                        {"age": 34, "gender": "male", "outcome": "killed"},
                        {"age": 12, "gender": "female", "outcome": "injured"},
                        {"age": 40, "gender": "male", "outcome": "injured"},
                    ],
                },
                point(x + 0.005, y + 0.004),
            )
        ],
        "minefield_records": [
            feature(
                {
                    "record_id": "MR-1",
                    "source": "handed over 2020, sheet 14",
                    "device": "AP",
                    "reported_count": 120,
                    "laid": "1994-05-01",
                },
                square(x, y, 0.003),
            ),
            feature({"record_id": "MR-2", "source": "engineer sketch", "device": "AT"}, line(x, y)),
        ],
        "military_positions": [
            feature(
                {
                    "position_id": "MP-1",
                    "kind": "trench",
                    "source": "imagery",
                    "period": "1994-2020",
                },
                line(x, y + 0.01),
            ),
            feature(
                {"position_id": "MP-2", "kind": "strongpoint", "source": "testimony"},
                point(x + 0.01, y + 0.01),
            ),
        ],
        "front_lines": [
            feature(
                {
                    "line_id": "FL-1",
                    "valid_from": "1994-05-12",
                    "valid_to": "2020-11-10",
                    "name": "line of contact",
                },
                line(x - 0.05, y),
            ),
        ],
        "testimony": [
            feature(
                {
                    "testimony_id": "TM-1",
                    "date": "2021-02-02",
                    "statement": "suspected",
                    "confidence": "high",
                    "informant_type": "shepherd",
                },
                point(x + 0.002, y + 0.002),
            ),
            feature(
                {"testimony_id": "TM-2", "date": "2021-02-03", "statement": "not_suspected"},
                square(x + 0.04, y, 0.002),
            ),
        ],
        "settlements": [
            feature(
                {
                    "settlement_id": "ST-1",
                    "name": "Aghdam",
                    "population_planned": 66000,
                    "population_before": 28000,
                    "district": "Aghdam",
                    "priority": "1",
                },
                point(46.927, 39.991),
            ),
            feature(
                {"settlement_id": "ST-2", "name": "Kahrizli", "population_planned": 800},
                point(x + 0.03, y + 0.02),
            ),
        ],
        "infrastructure": [
            feature(
                {"asset_id": "IN-1", "kind": "road", "name": "M-7", "planned_year": 2026},
                line(x, y + 0.005),
            ),
            feature({"asset_id": "IN-2", "kind": "farmland"}, square(x + 0.06, y, 0.01)),
        ],
        "eore_sessions": [
            feature(
                {
                    "session_id": "EO-1",
                    "date": "2024-03-03",
                    "settlement_id": "ST-2",
                    "women": 12,
                    "men": 9,
                    "girls": 20,
                    "boys": 18,
                },
                point(x + 0.03, y + 0.02),
            ),
        ],
        "qa_visits": [
            feature(
                {
                    "visit_id": "QA-1",
                    "date": "2022-06-01",
                    "kind": "post_clearance_inspection",
                    "activity_id": "ACT-1",
                    "result": "conforming",
                    "devices_found": 0,
                    "area_inspected_m2": 2500.0,
                },
                square(x, y, 0.002),
            ),
        ],
        "land_use": [
            feature(
                {
                    "land_use_id": "LU-1",
                    "kind": "cultivated",
                    "years_in_use": 4,
                    "observed": "2024-05-01",
                    "source": "imagery",
                    "confidence": "high",
                },
                square(x, y, 0.002),
            ),
        ],
        "boundaries": [
            feature(
                {"boundary_id": "AGD", "name": "Aghdam", "level": "district"},
                {
                    "type": "MultiPolygon",
                    "coordinates": [
                        [
                            [
                                [x - 0.05, y - 0.05],
                                [x + 0.1, y - 0.05],
                                [x + 0.1, y + 0.05],
                                [x - 0.05, y + 0.05],
                                [x - 0.05, y - 0.05],
                            ]
                        ]
                    ],
                },
            ),
        ],
    }


FUNDING_CSV = "date,source,amount_usd,purpose\n2024-01-15,national,12000000,clearance\n2024-02-01,Japan,450000,survey\n2024-02-01,Japan,450000,survey\n"
ASSETS_CSV = (
    "organisation,asset,count,m2_per_day,usd_per_day,available_from\n"
    "ANAMA,manual,40,30,120,2021-01-01\nANAMA,dog,25,1000,250,\nHALO,machine,3,2500,1800,2022-06-01\nAPOPO,rat,10,200,60,\n"
)
ORGANISATIONS_CSV = (
    "organisation_id,name,kind,accredited_methods,accreditation_expires\n"
    'ANAMA,Mine Action Agency,national agency,"NTS,TS,clearance",2027-12-31\nHALO,HALO Trust,NGO,"[""TS"", ""clearance""]",2026-06-30\n'
)


def write_package(folder: Path, *, skip: tuple[str, ...] = ()) -> Path:
    """A valid package with every layer; ``skip`` leaves layers out."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, feats in layer_features().items():
        if name not in skip:
            write_fc(folder / f"{name}.geojson", feats)
    for name, text in (
        ("funding", FUNDING_CSV),
        ("assets", ASSETS_CSV),
        ("organisations", ORGANISATIONS_CSV),
    ):
        if name not in skip:
            (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def total_records() -> int:
    return sum(len(f) for f in layer_features().values()) + 3 + 4 + 2


def package_with(tmp_path: Path, layer: str, *feats: dict[str, Any]) -> Path:
    """The valid package of :func:`write_package` with ``layer`` made of ``feats`` instead."""
    folder = write_package(tmp_path / "pkg", skip=(layer,))
    write_fc(folder / f"{layer}.geojson", list(feats))
    return folder


def varint(n: int) -> bytes:
    """An unsigned integer as a protocol-buffer varint (tiles) and a PMTiles directory use it:
    written here plainly, apart from the code under test."""
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)
