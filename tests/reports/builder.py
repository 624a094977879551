"""A small programme whose January 2026 is the seeds' national statement: 37 anti-tank mines,
337 anti-personnel mines and 1,364 UXO destroyed, 1,738.3 ha cleared.

The records go through the real workflow: imported as drafts, submitted, approved.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from landrelease.io import import_package
from landrelease.quality import plan_inspection, record_inspection
from landrelease.records import approve_activity, submit_activity
from landrelease.records.money import record_spending
from landrelease.records.victims import record_assistance
from landrelease.store import Workspace
from tests.helpers import feature, point, square, write_fc

X0, Y0 = 46.80, 39.90
HA = 10_000.0
CLEARED_JAN_HA = (600.0, 600.0, 538.3)  # 1,738.3 ha
DEVICES_JAN = {"AT": 37, "AP": 337, "UXO": 1364}
VICTIM_NAME = "Leyla Testova"
VICTIM_ADDRESS = "12 Quiet Street, Barda"


def rect(x: float, y: float, w: float, h: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]],
    }


def activity(
    aid: str,
    kind: str,
    hazard: str,
    start: str,
    end: str,
    outcome: str,
    geom: dict[str, Any],
    **extra: Any,
) -> dict[str, Any]:
    return feature(
        {
            "activity_id": aid,
            "type": kind,
            "hazard_id": hazard,
            "start": start,
            "end": end,
            "outcome": outcome,
            "organisation": "ANAMA",
            "asset": "manual",
            "status": "draft",
            **extra,
        },
        geom,
    )


def write_programme(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_fc(
        folder / "hazards.geojson",
        [
            feature(
                {
                    "hazard_id": "HZ-BIG",
                    "classification": "CHA",
                    "status": "active",
                    "district": "Aghdam",
                    "blockages": ["agriculture"],
                    "reported": "2021-03-01",
                },
                rect(X0, Y0, 0.12, 0.03),
            ),
            feature(
                {
                    "hazard_id": "HZ-SMALL",
                    "classification": "SHA",
                    "status": "active",
                    "district": "Aghdam",
                    "blockages": ["housing"],
                    "reported": "2021-03-01",
                },
                square(X0 + 0.20, Y0 + 0.10, 0.002),
            ),
            feature(
                {
                    "hazard_id": "HZ-FAR",
                    "classification": "SHA",
                    "status": "active",
                    "district": "Fuzuli",
                    "reported": "2022-05-01",
                },
                square(X0 + 0.40, Y0, 0.01),
            ),
        ],
    )
    big = [rect(X0 + 0.001 + 0.04 * i, Y0 + 0.001, 0.035, 0.025) for i in range(3)]
    acts = [
        activity(
            f"CL-J{i + 1}",
            "clearance",
            "HZ-BIG",
            "2025-12-01",
            f"2026-01-{10 + 5 * i}",
            "cleared",
            g,
            area_cleared_m2=CLEARED_JAN_HA[i] * HA,
        )
        for i, g in enumerate(big)
    ]
    acts += [
        activity(
            "NTS-S",
            "NTS",
            "HZ-SMALL",
            "2026-01-05",
            "2026-01-20",
            "cancelled",
            square(X0 + 0.20, Y0 + 0.10, 0.002),
        ),
        activity(
            "TS-D",
            "TS",
            "HZ-FAR",
            "2025-11-01",
            "2025-12-15",
            "reduced",
            square(X0 + 0.40, Y0, 0.005),
            area_reduced_m2=20.0 * HA,
        ),
        activity(
            "CL-PEND",
            "clearance",
            "HZ-FAR",
            "2026-01-02",
            "2026-01-30",
            "cleared",
            square(X0 + 0.405, Y0 + 0.006, 0.002),
        ),
    ]
    write_fc(folder / "activities.geojson", acts)
    findings = []
    k = 0
    for device, n in DEVICES_JAN.items():
        for j in range(n):
            k += 1
            findings.append(
                feature(
                    {
                        "finding_id": f"FD-{k:05d}",
                        "device": device,
                        "date": f"2026-01-{1 + j % 28:02d}",
                        "activity_id": f"CL-J{1 + j % 3}",
                        "destroyed": True,
                    },
                    point(X0 + 0.002 + 0.0001 * (j % 300), Y0 + 0.002 + 0.00005 * (j // 300)),
                )
            )
    for _ in range(5):  # found, not yet destroyed
        k += 1
        findings.append(
            feature(
                {
                    "finding_id": f"FD-{k:05d}",
                    "device": "UXO",
                    "date": "2026-01-12",
                    "activity_id": "CL-J1",
                    "destroyed": False,
                },
                point(X0 + 0.01, Y0 + 0.01),
            )
        )
    for _ in range(4):  # by an activity awaiting approval
        k += 1
        findings.append(
            feature(
                {
                    "finding_id": f"FD-{k:05d}",
                    "device": "AP",
                    "date": "2026-01-15",
                    "activity_id": "CL-PEND",
                    "destroyed": True,
                },
                point(X0 + 0.406, Y0 + 0.007),
            )
        )
    for _ in range(10):  # December
        k += 1
        findings.append(
            feature(
                {
                    "finding_id": f"FD-{k:05d}",
                    "device": "UXO",
                    "date": "2025-12-03",
                    "activity_id": "TS-D",
                    "destroyed": True,
                },
                point(X0 + 0.401, Y0 + 0.001),
            )
        )
    write_fc(folder / "findings.geojson", findings)
    incidents = [
        feature(
            {
                "incident_id": "INC-J1",
                "date": "2026-01-08",
                "killed": 1,
                "injured": 1,
                "device": "AP",
                "activity": "agriculture",
                "civilian": True,
                "victims": [
                    {"age": 34, "gender": "male", "outcome": "killed"},
                    {"age": 12, "gender": "female", "outcome": "injured"},
                ],
            },
            point(X0 + 0.05, Y0 + 0.035),
        ),
        feature(
            {
                "incident_id": "INC-J2",
                "date": "2026-01-21",
                "killed": 0,
                "injured": 1,
                "device": "AT",
                "activity": "demining",
                "civilian": False,
                "victims": [{"age": 41, "gender": "male", "outcome": "injured"}],
            },
            point(X0 + 0.02, Y0 + 0.01),
        ),
    ]
    for i, (act, dev, civ) in enumerate(
        [
            ("unauthorised_travel", "AP", True),
            ("unauthorised_travel", "UXO", True),
            ("agriculture", "AP", True),
            ("infrastructure_work", "AT", True),
            ("official_duty", "AP", True),
            ("other", "UXO", None),
        ]
    ):
        incidents.append(
            feature(
                {
                    "incident_id": f"INC-25{i}",
                    "date": f"2025-{2 + i:02d}-14",
                    "killed": i % 2,
                    "injured": 1 + i % 3,
                    "device": dev,
                    "activity": act,
                    "civilian": civ,
                },
                point(X0 + 0.03 + 0.004 * i, Y0 + 0.04),
            )
        )
    write_fc(folder / "incidents.geojson", incidents)
    write_fc(
        folder / "settlements.geojson",
        [
            feature(
                {
                    "settlement_id": "ST-KAH",
                    "name": "Kahrizli",
                    "population_planned": 800,
                    "district": "Aghdam",
                },
                point(X0 + 0.201, Y0 + 0.101 + 0.008),
            ),
            feature(
                {
                    "settlement_id": "ST-AGH",
                    "name": "Aghdam",
                    "population_planned": 66000,
                    "district": "Aghdam",
                },
                point(X0 + 0.05, Y0 + 0.036),
            ),
            feature(
                {
                    "settlement_id": "ST-FUZ",
                    "name": "Fuzuli",
                    "population_planned": 3000,
                    "district": "Fuzuli",
                },
                point(X0 + 0.40, Y0 + 0.015),
            ),
        ],
    )
    write_fc(
        folder / "eore_sessions.geojson",
        [
            feature(
                {
                    "session_id": "EO-1",
                    "date": "2026-01-18",
                    "settlement_id": "ST-KAH",
                    "women": 12,
                    "men": 9,
                    "girls": 20,
                    "boys": 18,
                },
                point(X0 + 0.201, Y0 + 0.109),
            ),
            feature(
                {
                    "session_id": "EO-2",
                    "date": "2025-06-02",
                    "settlement_id": "ST-AGH",
                    "women": 30,
                    "men": 25,
                    "girls": 10,
                    "boys": 12,
                },
                point(X0 + 0.05, Y0 + 0.036),
            ),
        ],
    )
    (folder / "funding.csv").write_text(
        "date,source,amount_usd,purpose\n2026-01-05,national,5000000,clearance\n2026-01-20,Japan,450000,survey\n"
        "2025-12-10,European Union,1200000,clearance\n",
        encoding="utf-8",
    )
    (folder / "organisations.csv").write_text(
        "organisation_id,name,kind,accredited_methods,accreditation_expires\n"
        'ANAMA,Mine Action Agency,national agency,"NTS,TS,clearance",2027-12-31\n',
        encoding="utf-8",
    )
    return folder


def build(ws: Workspace, folder: Path) -> None:
    """Import the programme and take it through the workflow, QA, spending and victim assistance."""
    report = import_package(ws, write_programme(folder), actor="builder")
    assert report.committed, list(report.log)
    for aid in ("TS-D", "CL-J1", "CL-J2", "CL-J3", "NTS-S"):
        submit_activity(ws, aid, actor="operator")
        approve_activity(ws, aid, actor="manager")
    submit_activity(ws, "CL-PEND", actor="operator")
    plan = plan_inspection(ws, activity_id="CL-J2", actor="qa", seed=5, limiting_density_per_ha=2.0)
    record_inspection(ws, plan_id=plan.plan_id, actor="qa", date="2026-01-28", devices_found=0)
    record_spending(
        ws,
        expenditure_id="EX-1",
        date="2026-01-31",
        source="national",
        amount_usd=3_200_000,
        actor="finance",
    )
    record_spending(
        ws,
        expenditure_id="EX-2",
        date="2026-01-31",
        source="Japan",
        amount_usd=200_000,
        actor="finance",
    )
    record_assistance(
        ws,
        assistance_id="VA-1",
        incident_id="INC-J1",
        victim_no=2,
        needs=["medical", "psychosocial"],
        services=["medical"],
        follow_up_on="2026-01-25",
        name=VICTIM_NAME,
        address=VICTIM_ADDRESS,
        actor="va",
        date_of_information="2026-01-22",
    )
