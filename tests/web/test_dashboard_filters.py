"""The dashboard's filters and headline, the activities list's pages and search, the hazard
page: exact figures from known records (tests/web/conftest.py's workspace)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from landrelease.store import tables as store_tables
from landrelease.store.runs import now as now_iso
from landrelease.web.dashboard import SOURCE_PALETTE, Filters, source_colours, time_axis
from tests.web.conftest import app_workspace as _ws
from tests.web.conftest import token
from tests.web.test_dashboard import add_ledger, add_spending

GPKG = pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)


def _series(body: dict[str, Any]) -> dict[str, float]:
    """Each series' total."""
    return {s["key"]: round(sum(s["values"]), 4) for s in body["series"]}


def _hz1_in_fuzuli(client: TestClient) -> None:
    """HZ-1 (ACT-2's hazard, 4 ha cleared in March 2024) moved to Fuzuli; HZ-0 stays in Aghdam."""
    with _ws(client).begin() as conn:
        store_tables.update_where(
            conn,
            "hazards",
            {"district": "Fuzuli", "updated_at": now_iso()},
            {"hazard_id": ["HZ-1"]},
        )


@pytest.mark.parametrize("ws_target", ["gpkg", "postgis"], indirect=True)
def test_filters_apply_to_every_figure(client: TestClient) -> None:
    ws = _ws(client)
    add_ledger(ws)  # ACT-1 on HZ-0 (ANAMA): 2.5 cancelled + 1.25 reduced; ACT-2 on HZ-1: 4 cleared
    _hz1_in_fuzuli(client)

    def released(query: str) -> dict[str, float]:
        return _series(client.get("/api/dashboard/released_by_month" + query).json())

    assert released("") == {"cancelled": 2.5, "reduced": 1.25, "cleared": 4.0}
    assert released("?district=Aghdam") == {"cancelled": 2.5, "reduced": 1.25, "cleared": 0.0}
    assert released("?district=Fuzuli") == {"cancelled": 0.0, "reduced": 0.0, "cleared": 4.0}
    assert released("?organisation=ANAMA") == {"cancelled": 2.5, "reduced": 1.25, "cleared": 0.0}
    assert released("?from=2024-01-15&to=2024-12-31") == {
        "cancelled": 0.0,
        "reduced": 1.25,
        "cleared": 4.0,
    }
    body = client.get("/api/dashboard/released_by_month?from=2024-02-01").json()
    assert body["labels"] == ["2024-02", "2024-03"] and body["png"].endswith("?from=2024-02-01")

    top = client.get("/api/dashboard/headline").json()
    assert top["released_ha"] == {"cancelled": 2.5, "reduced": 1.25, "cleared": 4.0, "total": 7.75}
    assert top["devices_destroyed"] == {"AP": 1, "AT": 1, "UXO": 1, "total": 3}  # ACT-1's finds
    assert top["casualties"] == {"killed": 1, "injured": 2, "incidents": 1}  # INC-1, 2021
    top = client.get("/api/dashboard/headline?district=Fuzuli").json()
    assert top["released_ha"]["total"] == 4.0 and top["devices_destroyed"] == {"total": 0}
    top = client.get("/api/dashboard/headline?from=2022-01-01").json()
    assert top["casualties"] == {"killed": 0, "injured": 0, "incidents": 0}
    assert top["devices_destroyed"]["total"] == 3  # found in May 2022
    top = client.get("/api/dashboard/headline?organisation=ANAMA&district=Aghdam").json()
    assert top["released_ha"]["total"] == 3.75

    cas = client.get("/api/dashboard/casualties_by_activity?organisation=ANAMA").json()
    assert "The organisation filter does not apply to incidents." in cas["notes"]

    page = client.get("/dashboard")
    assert "1 person killed and 2 injured in 1 incident<" in page.text  # no zero toll stated
    page = client.get("/dashboard?from=2022-01-01")
    assert "no one killed or injured in 0 incidents" in page.text
    page = client.get("/dashboard?district=Fuzuli&from=2024-01-01")
    assert page.status_code == 200
    assert "Fuzuli · all organisations · from 2024-01-01" in page.text
    assert '<option value="Fuzuli" selected>' in page.text
    assert 'data-src="/api/dashboard/released_by_month?district=Fuzuli&amp;from=2024-01-01"' in (
        page.text
    )
    assert '<label for="f-district">' in page.text and '<th scope="col">' in page.text


@GPKG
def test_filters_refuse_what_they_cannot_read(client: TestClient) -> None:
    _hz1_in_fuzuli(client)
    r = client.get("/api/dashboard/released_by_month?district=Atlantis")
    assert r.status_code == 400 and "Atlantis" in r.json()["detail"]
    assert "accepted: Aghdam, Fuzuli" in r.json()["detail"]
    r = client.get("/api/dashboard/headline?from=2024-13-01")
    assert r.status_code == 400
    assert r.json()["detail"] == "from=2024-13-01 is not a date: a year has 12 months (01 to 12)"
    r = client.get("/api/dashboard/headline?from=2024-01-01&to=2023-02-29")
    assert r.status_code == 400
    assert r.json()["detail"] == "to=2023-02-29 is not a date: February 2023 has 28 days"
    r = client.get("/api/dashboard/headline?to=soon")
    assert r.status_code == 400
    assert r.json()["detail"] == "to='soon' is not a day: give it as YYYY-MM-DD, e.g. 2026-01-31"
    r = client.get("/api/dashboard/headline?from=2024-05-01&to=2024-01-01")
    assert r.status_code == 400 and "ends (to=2024-01-01) before it starts" in r.json()["detail"]
    page = client.get("/dashboard?organisation=Nobody")
    assert page.status_code == 400 and "Nobody" in page.text and 'role="alert"' in page.text


@GPKG
def test_each_funding_source_has_a_colour_of_its_own(client: TestClient) -> None:
    names = ["national", *(f"donor {i:02d}" for i in range(len(SOURCE_PALETTE) - 1))]
    colours = source_colours(names)
    received = [c[0] for c in colours.values()]
    spent = [c[1] for c in colours.values()]
    assert len(set(received)) == len(names) == len(set(spent))
    assert not set(received) & set(spent)
    # stable per name: the same whatever the order or the filters keep
    assert source_colours(reversed(names)) == colours
    assert colours["national"][0] == SOURCE_PALETTE[0]

    add_spending(_ws(client))  # national 2024, Japan 2025
    every = {
        s["key"]: s["colour"]
        for s in client.get("/api/dashboard/funding_by_source").json()["series"]
    }
    later = client.get("/api/dashboard/funding_by_source?from=2025-01-01").json()
    assert {s["key"]: s["colour"] for s in later["series"]} == {"spent:Japan": every["spent:Japan"]}
    assert len(set(every.values())) == len(every)


def test_long_time_axes_are_in_years() -> None:
    none = Filters()
    assert time_axis(["2024-01-10", "2024-03-05"], none).labels == ["2024-01", "2024-02", "2024-03"]
    assert time_axis(["2021-01-08", "2026-10-30"], none).labels == [
        str(y) for y in range(2021, 2027)
    ]
    q = time_axis(["2024-01-01", "2026-12-31"], none)
    assert q.word == "quarter" and len(q.labels) == 12 and q.labels[0] == "2024 Q1"
    assert time_axis(["2024-05-01"], Filters(start="2024-01-01", end="2024-12-31")).labels[0] == (
        "2024-01"
    )
    assert time_axis(["2025-01-01", "2064-06-30"], none, finest="Q").word == "year"


@GPKG
def test_activities_are_paged_searched_and_filtered(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = token(client, "admin")
    monkeypatch.setenv("LANDRELEASE_WEB_ACTIVITIES_PER_PAGE", "3")

    def ids(query: str) -> list[str]:
        text = client.get("/activities" + query, headers=admin).text
        return [
            line.split('id="act-')[1].split('"')[0]
            for line in text.splitlines()
            if 'id="act-' in line
        ]

    assert ids("") == ["ACT-A", "ACT-B", "ACT-2"]  # drafts, then those waiting for review
    assert ids("?page=2") == ["ACT-1"]
    page = client.get("/activities?page=2", headers=admin).text
    assert "Activities 4–4 of 4" in page and 'rel="prev"' in page and "page 2 of 2" in page
    assert ids("?q=act-b") == ["ACT-B"]
    assert ids("?q=anama") == ["ACT-1"]  # the organisation
    assert ids("?q=HZ-2") == ["ACT-A", "ACT-B"]  # the hazard
    assert ids("?status=draft&organisation=OrgA") == ["ACT-A"]
    assert ids("?type=clearance") == ["ACT-2"]
    assert ids("?from=2023-01-01&to=2023-12-31") == ["ACT-2"]  # worked June–September 2023
    page = client.get("/activities?q=ACT-1&page=9", headers=admin).text
    assert "there is 1 page: the last one shown" in page
    assert '<label for="a-q">' in page and 'scope="col"' in page


@GPKG
def test_hazard_page_tells_its_story(client: TestClient) -> None:
    story = client.get("/api/hazards/HZ-0").json()
    assert story["page"] == "/hazards/HZ-0"
    page = client.get("/hazards/HZ-0", headers=token(client, "admin"))
    assert page.status_code == 200
    text = page.text
    assert "<h1>Hazard HZ-0</h1>" in text and "Survey decisions" in text
    for part in story["evidence"]["survey"]:
        assert part["part_id"] in text
    assert "ACT-1" in text  # its activity
    cancelled = text.split('<th scope="row">HZ-0/2</th>')[1].split("</tr>")[0]
    assert '<td class="num">0.04</td>' in cancelled  # the bound on the devices left
    assert 'id="small-map-config"' in text and "/static/small_map.js" in text
    assert client.get("/hazards/NOPE").status_code == 404


@GPKG
def test_hazard_page_shows_the_land_in_use_inside_it(client: TestClient) -> None:
    """LU-1 (cultivated 4 years, a square of 0.002° inside HZ-0) on the page, in field words with
    its hectares inside the hazard, and on the small map cut to the hazard; for those who may
    read the layer only, and not on a hazard it does not reach."""
    import json
    import re

    import pyproj
    import shapely

    from tests.helpers import LAT0, LON0

    text = client.get("/hazards/HZ-0", headers=token(client, "ana")).text
    square = shapely.box(LON0, LAT0, LON0 + 0.002, LAT0 + 0.002)
    ha = abs(pyproj.Geod(ellps="WGS84").geometry_area_perimeter(square)[0]) / 10_000
    assert 3.5 < ha < 4.0
    said = re.search(
        r"Land in use inside: Cultivated for 4 years \(observed 2024-05-01, imagery, high "
        r"confidence\), ([0-9.]+) ha \(LU-1\)\. It lowers the risk only as far as searched land",
        text,
    )
    assert said is not None, text
    # measured in the workspace's metric CRS (UTM), within 0.5 % of the ellipsoid's area
    assert abs(float(said.group(1)) - ha) < 0.005 * ha + 0.005, (said.group(1), ha)
    m = re.search(r'id="small-map-config">(.*?)</script>', text, re.S)
    assert m is not None
    config = json.loads(m.group(1))
    used = [f for f in config["focus"]["features"] if f["properties"]["role"] == "land_use"]
    assert [f["properties"]["kind"] for f in used] == ["cultivated"]
    got = shapely.geometry.shape(used[0]["geometry"])
    assert shapely.intersection(got, square).area / shapely.union(got, square).area > 0.999
    assert "land in use: cultivated (fields, orchards)" in text  # the legend
    anonymous = client.get("/hazards/HZ-0").text
    assert "Land in use" not in anonymous and "land in use:" not in anonymous
    other = client.get("/hazards/HZ-1", headers=token(client, "ana")).text
    assert "Land in use inside" not in other


def test_the_activities_list_names_a_day_that_does_not_exist() -> None:
    from landrelease.web.pages.activities import ListQuery

    query, problems = ListQuery.of({"from": "2023-02-30", "to": "2023-12-31"})
    assert query.start == "" and query.end == "2023-12-31"
    assert problems == ["from=2023-02-30 is not a date: February 2023 has 28 days; not applied"]
