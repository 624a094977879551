"""The map's vector tiles on both backends: decoded by GDAL to the stored features, counts
below the detail zoom, the role rules of the OGC API, ETags that follow the records."""

from __future__ import annotations

import datetime
import gzip
import json
import math
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient

from landrelease import settings
from landrelease.store import Workspace
from landrelease.web.tiles import (
    EXTENT,
    TILE_LAYERS,
    TileLayer,
    TileSource,
    cluster_points,
    encode_tile,
    unit_square,
    varints,
)
from tests.helpers import LAT0, LON0, feature, line, varint, write_fc
from tests.web.conftest import token


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    r = math.radians(lat)
    return int((lon + 180) / 360 * n), int(
        (1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n
    )


def _decode(data: bytes, z: int, x: int, y: int, tmp: Path, layer: str) -> gpd.GeoDataFrame:
    """The tile read by GDAL's MVT driver (an independent decoder), in WGS84."""
    path = tmp / f"{z}/{x}/{y}.pbf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    frame = pyogrio.read_dataframe(path, layer=layer)
    return frame.drop(columns=["mvt_id"], errors="ignore").to_crs("EPSG:4326")


def _map_config(client: TestClient) -> dict[str, Any]:
    page = client.get("/map").text
    m = re.search(r'<script type="application/json" id="map-config">(.*?)</script>', page, re.S)
    assert m is not None
    config: dict[str, Any] = json.loads(m.group(1))
    return config


def _get(client: TestClient, url: str, headers: dict[str, str] | None = None) -> bytes:
    r = client.get(url, headers=headers or {})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    return r.content


@pytest.mark.parametrize("ws_target", ["gpkg", "postgis"], indirect=True)
def test_tiles_decode_to_the_stored_features(client: TestClient, tmp_path: Path) -> None:
    ana = token(client, "ana")
    z = 13
    x, y = _tile_of(LON0 + 0.005, LAT0 + 0.005, z)
    hazards = _decode(
        _get(client, f"/tiles/hazards/{z}/{x}/{y}.mvt", ana), z, x, y, tmp_path, "hazards"
    )
    stored = client.get("/collections/hazards/items/HZ-0", headers=ana).json()
    want = shapely.geometry.shape(stored["geometry"])
    assert "HZ-0" in set(hazards["hazard_id"])
    got = shapely.union_all(hazards.loc[hazards["hazard_id"] == "HZ-0"].geometry.to_numpy())
    # the tile's grid at zoom 13 is 1.2 m: the square of ~850 m × 1,110 m comes back to within it
    iou = shapely.intersection(got, want).area / shapely.union(got, want).area
    assert iou > 0.995, iou
    assert set(hazards.columns) >= {"hazard_id", "status", "classification"}
    assert set(hazards.loc[hazards["hazard_id"] == "HZ-0", "status"]) == {"active"}

    parts = _decode(
        _get(client, f"/tiles/survey_parts/{z}/{x}/{y}.mvt"),
        z,
        x,
        y,
        tmp_path / "p",
        "survey_parts",
    )
    assert {"HZ-0/1": "clearance", "HZ-0/2": "cancel"}.items() <= dict(
        zip(parts["part_id"], parts["decision"], strict=True)
    ).items()

    # the confirmation sample's sites, for those who log in, with what the teams found
    assert client.get(f"/tiles/confirmation_sites/{z}/{x}/{y}.mvt").status_code == 401
    sites = _decode(
        _get(client, f"/tiles/confirmation_sites/{z}/{x}/{y}.mvt", ana),
        z,
        x,
        y,
        tmp_path / "s",
        "confirmation_sites",
    )
    sites = sites.sort_values("site_id")
    assert list(sites["site_id"]) == [1, 2] and list(sites["part_id"]) == ["HZ-0/2"] * 2
    assert list(sites["searched"]) == [1, 0] and list(sites["devices_found"]) == [0, 0]
    assert abs(sites.geometry.iloc[1].x - (LON0 + 0.008)) < 1e-4

    # findings: each one from the detail zoom, with its fields; counted per cell below it
    detail = int(settings.get("web_tiles_detail_zoom"))
    fz = detail + 1
    fx, fy = _tile_of(LON0 + 0.002, LAT0 + 0.001, fz)
    found = _decode(
        _get(client, f"/tiles/findings/{fz}/{fx}/{fy}.mvt", ana),
        fz,
        fx,
        fy,
        tmp_path / "f",
        "findings",
    )
    assert sorted(found["finding_id"]) == ["FD-0", "FD-1", "FD-2"]
    assert dict(zip(found["finding_id"], found["device"], strict=True))["FD-1"] == "AT"
    for fid, lon in (("FD-0", LON0 + 0.001), ("FD-2", LON0 + 0.003)):
        pt = found.loc[found["finding_id"] == fid].geometry.iloc[0]
        assert abs(pt.x - lon) < 1e-4 and abs(pt.y - (LAT0 + 0.001)) < 1e-4
    cz = detail - 3
    cx, cy = _tile_of(LON0 + 0.002, LAT0 + 0.001, cz)
    counted = _decode(
        _get(client, f"/tiles/findings/{cz}/{cx}/{cy}.mvt", ana),
        cz,
        cx,
        cy,
        tmp_path / "c",
        "findings",
    )
    assert list(counted.columns) == ["count", "geometry"] and counted["count"].sum() == 3
    assert len(counted) == 1  # 300 m apart, in one cell of ~4 km at that zoom
    c = counted.geometry.iloc[0]
    assert abs(c.x - (LON0 + 0.002)) < 2e-3 and abs(c.y - (LAT0 + 0.001)) < 2e-3


@pytest.mark.parametrize("ws_target", ["gpkg", "postgis"], indirect=True)
def test_tiles_follow_the_role_rules(client: TestClient, tmp_path: Path) -> None:
    z = 14
    x, y = _tile_of(LON0 + 0.021, LAT0 + 0.002, z)
    # anonymous visitors: the public layers only, as in the OGC API
    assert client.get(f"/tiles/hazards/{z}/{x}/{y}.mvt").status_code == 200
    for layer in ("findings", "incidents", "infrastructure"):
        r = client.get(f"/tiles/{layer}/{z}/{x}/{y}.mvt")
        assert r.status_code == 401, (layer, r.status_code)
        assert client.get(f"/collections/{layer}/items").status_code == 401
    # no role gets victims' details in a tile, not even one that may read them in the API
    admin = token(client, "admin")
    assert "victims" in client.get("/collections/incidents/items", headers=admin).text
    found = False
    for who in ("admin", "donor"):
        for zz in range(8, 16):
            ix, iy = _tile_of(LON0 + 0.03, LAT0 + 0.005, zz)
            body = _get(client, f"/tiles/incidents/{zz}/{ix}/{iy}.mvt", token(client, who))
            assert b"victims" not in body and b"female" not in body
            if body:
                frame = _decode(body, zz, ix, iy, tmp_path / f"{who}{zz}", "incidents")
                assert "victims" not in frame.columns
                found = True
    assert found, "no tile held the incident"
    assert client.get(f"/tiles/activities/{z}/{x}/{y}.mvt", headers=admin).status_code == 404
    assert client.get("/tiles/hazards/3/8/0.mvt").status_code == 400


@pytest.mark.parametrize("ws_target", ["gpkg", "postgis"], indirect=True)
def test_everyone_sees_the_roads_rivers_and_farmland_of_the_base_map(
    web_target: str, workspace: Workspace, tmp_path: Path
) -> None:
    from landrelease.io.package import import_package
    from landrelease.web import create_app

    more = tmp_path / "more"
    more.mkdir()
    power = feature({"asset_id": "IN-9", "kind": "power_line", "name": "HV-1"}, line(LON0, LAT0))
    write_fc(more / "infrastructure.geojson", [power])
    assert import_package(workspace, more, actor="tester").committed
    app = create_app(web_target)
    try:
        with TestClient(app) as client:
            z = 10
            x, y = _tile_of(LON0 + 0.03, LAT0 + 0.005, z)
            # not logged in: the base map's public part, and only the kind and the name
            body = _get(client, f"/tiles/base/{z}/{x}/{y}.mvt")
            base = _decode(body, z, x, y, tmp_path / "anon", "base")
            assert sorted(base["kind"]) == ["farmland", "road"]
            assert set(base["name"].dropna()) == {"M-7"}
            assert set(base.columns) == {"kind", "name", "geometry"}
            assert b"HV-1" not in body and b"IN-1" not in body
            assert client.get(f"/tiles/infrastructure/{z}/{x}/{y}.mvt").status_code == 401
            # logged in: the whole layer, power lines too
            whole = _get(client, f"/tiles/infrastructure/{z}/{x}/{y}.mvt", token(client, "ana"))
            infra = _decode(whole, z, x, y, tmp_path / "ana", "infrastructure")
            assert sorted(infra["kind"]) == ["farmland", "power_line", "road"]
    finally:
        app.state.workspace.close()


@pytest.mark.parametrize("ws_target", ["gpkg"], indirect=True)
def test_tiles_are_compressed_and_revalidated_by_etag(client: TestClient) -> None:
    from landrelease.records import submit_activity

    client.app.state.cache.stamp_ttl_s = 0  # type: ignore[attr-defined]
    x, y = _tile_of(LON0 + 0.02, LAT0 + 0.005, 11)
    url = f"/tiles/hazards/11/{x}/{y}.mvt"
    r = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["cache-control"] == "private, no-cache"
    etag = r.headers["etag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    # asked for by the version the map page names, a tile is kept without asking again
    version = _map_config(client)["tile_versions"]["hazards"]
    kept = client.get(f"{url}?v={version}")
    assert kept.headers["cache-control"] == "private, max-age=31536000, immutable"
    assert kept.content == r.content
    # a write from anywhere (here: as the command line does) gives the tile a new tag
    submit_activity(client.app.state.workspace, "ACT-B", actor="cli")  # type: ignore[attr-defined]
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    # and a new version: the old address is revalidated again, the page names the new one
    assert client.get(f"{url}?v={version}").headers["cache-control"] == "private, no-cache"
    assert _map_config(client)["tile_versions"]["hazards"] != version
    # gzip on the wire for a tile big enough (hazards of a whole region at low zoom)
    raw = client.get("/tiles/hazards/0/0/0.mvt", headers={"Accept-Encoding": "gzip"})
    assert raw.status_code == 200
    if len(raw.content) >= 1000:
        assert raw.headers.get("content-encoding") == "gzip"


def test_the_encoder_writes_what_the_format_says(tmp_path: Path) -> None:
    # varints as in the protocol-buffer documentation
    assert varints(np.array([1, 150, 300, 2**32])) == bytes(
        [1, 0x96, 0x01, 0xAC, 0x02, 0x80, 0x80, 0x80, 0x80, 0x10]
    )
    long = np.arange(0, 100_000, 997)
    assert varints(long) == b"".join(varints(np.array([v])) for v in long)
    # the MVT specification's example: a point at (25, 17) is MoveTo(1) 50 34
    body = encode_tile([("p", [shapely.Point(25, 17)], [{"n": 1}])])
    assert bytes([0x09, 0x32, 0x22]) in body
    # a square's exterior ring comes with a positive area in tile coordinates (clockwise
    # on screen), its hole negative; GDAL reads back the same polygon
    sq = shapely.Polygon(
        [(0, 0), (0, 1000), (1000, 1000), (1000, 0)],
        [[(200, 200), (400, 200), (400, 400), (200, 400)]],
    )
    for ring_order in (sq, sq.reverse()):  # whatever way the rings turn when stored
        path = tmp_path / f"{len(list(tmp_path.iterdir()))}" / "0/0/0.pbf"
        path.parent.mkdir(parents=True)
        path.write_bytes(encode_tile([("sq", [ring_order], [{}])]))
        got = pyogrio.read_dataframe(path, layer="sq").geometry.iloc[0]
        assert len(shapely.get_parts(got)) == 1  # one polygon with a hole, not two polygons
        assert shapely.get_num_interior_rings(shapely.get_parts(got)[0]) == 1
        world = 2 * 20037508.342789244 / EXTENT  # metres per grid unit at zoom 0
        assert got.area == pytest.approx((1000**2 - 200**2) * world**2, rel=1e-9)


def test_a_layer_of_many_features_reads_back_whole(tmp_path: Path) -> None:
    """Every feature's properties and geometry as GDAL reads them: features without any
    property beside ones with several, text of every length (a value longer than a one-byte
    length), integers, floats and true/false, points, lines and polygons of many vertices
    (commands longer than 127 bytes)."""
    rng = np.random.default_rng(5)
    geoms: list[Any] = []
    props: list[dict[str, Any]] = []
    for i in range(600):
        x, y = (float(v) for v in rng.integers(100, 3700, 2))
        kind = i % 3
        if kind == 0:
            g: Any = shapely.Point(x, y)
        elif kind == 1:
            g = shapely.LineString([(x + 3 * k, y + (k % 7)) for k in range(80)])
        else:
            g = shapely.box(x, y, x + 50 + i % 40, y + 60)
        geoms.append(g)
        p: dict[str, Any] = {}
        if i % 5:
            p["id"] = f"F-{i}" + ("x" * (200 if i % 97 == 0 else 0))
            p["n"] = int(i % 11) - 5
            p["w"] = i / 8
            p["flag"] = bool(i % 2)
            p["note"] = None if i % 4 else "the same"
        props.append(p)
    path = tmp_path / "0/0/0.pbf"
    path.parent.mkdir(parents=True)
    path.write_bytes(encode_tile([("many", geoms, props)]))
    got = pyogrio.read_dataframe(path, layer="many")
    assert len(got) == len(geoms)
    for i, row in enumerate(got.itertuples()):
        if i % 5:
            assert row.id == props[i]["id"]
            assert (row.n, row.w, bool(row.flag)) == (
                props[i]["n"],
                props[i]["w"],
                props[i]["flag"],
            )
            assert (row.note if isinstance(row.note, str) else None) == props[i]["note"]
        else:
            assert row.id is None or (isinstance(row.id, float) and math.isnan(row.id))
    kinds = [shapely.get_type_id(g) for g in got.geometry]
    assert kinds == [shapely.get_type_id(g) for g in geoms]
    world = 2 * 20037508.342789244 / EXTENT
    boxes = [i for i in range(len(geoms)) if i % 3 == 2]
    assert [got.geometry.iloc[i].area for i in boxes] == pytest.approx(
        [geoms[i].area * world**2 for i in boxes], rel=1e-9
    )
    lines = [i for i in range(len(geoms)) if i % 3 == 1]
    assert [len(got.geometry.iloc[i].coords) for i in lines] == [80] * len(lines)


# -- the encoder by column against the feature-by-feature writer it replaced -------------------


def _field(field: int, payload: bytes) -> bytes:
    return varint(field << 3 | 2) + varint(len(payload)) + payload


def _path(coords: Any, closed: bool, ints: list[int], cursor: list[int]) -> None:
    """A line's or ring's commands after the cursor (a ring's closing point implied)."""
    pts = [(int(x), int(y)) for x, y in coords][: -1 if closed else None]
    for k, (x, y) in enumerate(pts):
        if k == 0:
            ints.append(1 | 1 << 3)
        elif k == 1:
            ints.append(2 | (len(pts) - 1) << 3)
        ints.extend([_zig(x - cursor[0]), _zig(y - cursor[1])])
        cursor[:] = [x, y]
    if closed:
        ints.append(7 | 1 << 3)


def _zig(n: int) -> int:
    return (n << 1) ^ (n >> 63)


def _reference_layer(name: str, geoms: list[Any], props: list[dict[str, Any]]) -> bytes:
    """The feature-by-feature writer the encoder had before it worked by column, kept small:
    a feature at a time, its tags in its properties' order, keys and values numbered as they
    first come, each value once by its type and value (simple geometries only: no repeated
    points, no ring that snapping collapses)."""
    keys: dict[str, int] = {}
    values: dict[tuple[type, Any], int] = {}
    features = b""
    for g, p in zip(geoms, props, strict=True):
        cursor = [0, 0]
        ints: list[int] = []
        kind = shapely.get_type_id(g)
        if kind in (0, 4):
            pts = shapely.get_coordinates(g).astype(int).tolist()
            ints.append(1 | len(pts) << 3)
            for x, y in pts:
                ints.extend([_zig(x - cursor[0]), _zig(y - cursor[1])])
                cursor[:] = [x, y]
            mvt_type = 1
        elif kind in (1, 5):
            for part in shapely.get_parts(g):
                _path(part.coords, False, ints, cursor)
            mvt_type = 2
        else:
            for part in shapely.get_parts(shapely.orient_polygons(g, exterior_cw=False)):
                for ring in [part.exterior, *part.interiors]:
                    _path(ring.coords, True, ints, cursor)
            mvt_type = 3
        tags: list[int] = []
        for k, v in p.items():
            if v is not None:
                tags += [
                    keys.setdefault(k, len(keys)),
                    values.setdefault((type(v), v), len(values)),
                ]
        body = _field(2, b"".join(map(varint, tags))) if tags else b""
        body += varint(3 << 3) + varint(mvt_type) + _field(4, b"".join(map(varint, ints)))
        features += _field(2, body)
    table = b""
    for _, v in values:
        if isinstance(v, bool):
            msg = varint(7 << 3) + varint(int(v))
        elif isinstance(v, int):
            msg = varint(6 << 3) + varint(_zig(v) if v < 0 else v << 1)
        elif isinstance(v, float):
            msg = varint(3 << 3 | 1) + np.array([v], dtype="<f8").tobytes()
        else:
            msg = _field(1, str(v).encode())
        table += _field(4, msg)
    layer = varint(15 << 3) + varint(2) + _field(1, name.encode()) + features
    layer += b"".join(_field(3, k.encode()) for k in keys) + table
    return _field(3, layer + varint(5 << 3) + varint(EXTENT))


def test_the_encoder_by_column_writes_the_bytes_of_the_feature_by_feature_one() -> None:
    """A layer of points, multipoints, lines and polygons with text (short, long, not ASCII),
    integers (negative, large), floats, true/false, missing values and the same value under
    two keys: the same bytes as the writer that went feature by feature."""
    rng = np.random.default_rng(11)
    geoms: list[Any] = []
    props: list[dict[str, Any]] = []
    for i in range(400):
        x, y = (float(v) for v in rng.integers(100, 3700, 2))
        g: Any = [
            shapely.Point(x, y),
            shapely.MultiPoint([(x, y), (x + 9, y - 4), (x + 20, y + 3)]),
            shapely.LineString([(x + 5 * k, y + (k % 5)) for k in range(30)]),
            shapely.box(x, y, x + 40 + i % 30, y + 25).difference(
                shapely.box(x + 5, y + 5, x + 15, y + 15)
            ),
        ][i % 4]
        geoms.append(g)
        props.append(
            {
                "id": f"F-{i}" if i % 7 else f"Fundstück-{i}" + "é" * (100 if i % 21 == 0 else 0),
                "device": ["AP mine", "AT mine", "UXO", None][i % 4],
                "other": ["UXO", "1", None][i % 3],  # the same text under two keys: one value
                "n": [1, -3, 2**40, None][i % 4],
                "w": [1.0, 0.25, None][i % 3],  # 1.0 and 1 are two values
                "flag": bool(i % 2),
            }
            if i % 9
            else {}
        )
    assert encode_tile([("mixed", geoms, props)]) == _reference_layer("mixed", geoms, props)


def _centre(z: int, x: int, y: int) -> tuple[float, float]:
    n = 1 << z
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 0.5) / n))))
    return (x + 0.5) / n * 360 - 180, lat


def test_a_tile_of_points_writes_the_bytes_of_the_feature_by_feature_encoder(
    tmp_path: Path,
) -> None:
    """A source's properties coded once by column give the tile the feature-by-feature
    writer gave (its properties one record at a time, as the source converted them), and
    GDAL reads every point's properties back."""
    z = 12
    tx, ty = _tile_of(LON0, LAT0, z)
    lon, lat = _centre(z, tx, ty)
    rng = np.random.default_rng(3)
    n = 300
    dx, dy = rng.uniform(-0.02, 0.02, (2, n))
    geoms: list[Any] = [
        shapely.Point(lon + a, lat + b)
        if i % 5
        else shapely.MultiPoint([(lon + a, lat + b), (lon + a + 0.001, lat + b)])
        for i, (a, b) in enumerate(zip(dx, dy, strict=True))
    ]
    frame = gpd.GeoDataFrame(
        {
            "finding_id": [f"F-{i}" if i % 11 else f"Zündung-{i}" for i in range(n)],
            "device": [["AP mine", "UXO", None, "7"][i % 4] for i in range(n)],
            "date": [
                [datetime.date(2024, 5, 1 + i % 28), "2024-06-01", None][i % 3] for i in range(n)
            ],
            "count": [[7, None, 12, 7.0][i % 4] for i in range(n)],
            "depth": [[0.5, float("nan"), 7.0, 12][i % 4] for i in range(n)],
            "killed": [i % 3 - 1 for i in range(n)],  # whole columns of one type: at once
            "years": [[1.5, float("nan"), 7.0][i % 3] for i in range(n)],
        },
        geometry=geoms,
        crs="EPSG:4326",
    )
    properties = (
        ("finding_id", "text"),
        ("device", "text"),
        ("date", "text"),
        ("count", "int"),
        ("depth", "float"),
        ("killed", "int"),
        ("years", "float"),
    )
    layer = TileLayer("mixed", "findings", properties)
    data = TileSource(frame, layer).tile(z, tx, ty, detail_zoom=z)

    def value(v: Any, kind: str) -> Any:  # what a tile carries of a record's field
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return None
        return {"int": int, "float": float}.get(
            kind, lambda s: getattr(s, "isoformat", s.__str__)()
        )(v)

    expected = [{c: value(frame[c].iloc[i], k) for c, k in properties} for i in range(n)]
    scale = EXTENT * (1 << z)
    local = [
        shapely.transform(g, lambda xy: np.round(xy * scale - (tx * EXTENT, ty * EXTENT)))
        for g in unit_square(np.array(geoms, dtype=object))
    ]
    assert data == _reference_layer("mixed", local, expected)
    got = _decode(data, z, tx, ty, tmp_path, "mixed")
    assert len(got) == n
    for i, row in enumerate(got.itertuples()):
        e = expected[i]
        assert row.finding_id == e["finding_id"]
        for c in ("device", "date", "count", "depth", "killed", "years"):
            v = getattr(row, c)
            assert (None if v is None or (isinstance(v, float) and math.isnan(v)) else v) == e[c]


def test_clusters_are_means_per_cell() -> None:
    gx = np.array([10.0, 20.0, 130.0, 4000.0])
    gy = np.array([10.0, 30.0, 10.0, 4095.0])
    cx, cy, n = cluster_points(gx, gy, cells=32)
    assert n.tolist() == [2, 1, 1]
    assert cx.tolist() == [15.0, 130.0, 4000.0] and cy.tolist() == [20.0, 10.0, 4095.0]


def test_a_source_keeps_only_the_declared_fields(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {
            "incident_id": ["I-1"],
            "date": ["2021-07-12"],
            "killed": [1.0],
            "injured": [2],
            "victims": [[{"age": 3}]],
        },
        geometry=[shapely.Point(LON0, LAT0)],
        crs="EPSG:4326",
    )
    src = TileSource(frame, TILE_LAYERS["incidents"])
    x, y = _tile_of(LON0, LAT0, 15)
    data = src.tile(15, x, y, detail_zoom=12)
    got = _decode(data, 15, x, y, tmp_path, "incidents")
    assert list(got.columns) == ["incident_id", "date", "killed", "injured", "geometry"]
    assert got["killed"].tolist() == [1] and got["injured"].tolist() == [2]
    assert abs(got.geometry.iloc[0].x - LON0) < 1e-5
    empty = TileSource(frame.iloc[:0], TileLayer("e", "incidents", (("incident_id", "text"),)))
    assert empty.tile(15, x, y, detail_zoom=12) == b""
    assert gzip.compress(data)  # bytes, ready to send


@pytest.mark.parametrize("ws_target", ["gpkg", "postgis"], indirect=True)
def test_the_first_views_tiles_are_made_when_the_server_starts(client: TestClient) -> None:
    from landrelease.web.map_view import FIRST_VIEW_LAYERS, tiles_over, warm

    # the addresses over a box: every zoom from 0, the tiles the box touches
    box = (LON0, LAT0, LON0 + 0.03, LAT0 + 0.01)
    addresses = tiles_over(box, 12)
    assert [a for a in addresses if a[0] <= 2] == [(0, 0, 0), (1, 1, 0), (2, 2, 1)]
    assert {a for a in addresses if a[0] == 12} == {
        (12, x, y)
        for x in range(_tile_of(LON0, LAT0, 12)[0], _tile_of(LON0 + 0.03, LAT0, 12)[0] + 1)
        for y in range(_tile_of(LON0, LAT0 + 0.01, 12)[1], _tile_of(LON0, LAT0, 12)[1] + 1)
    }
    web = client.app.state.web  # type: ignore[attr-defined]
    took = warm(web)
    assert f"{len(tiles_over(box, 10)) * len(FIRST_VIEW_LAYERS)} tiles to zoom 10" in took
    # the first view's tiles are then answered from memory: nothing more is cut
    misses = web.cache.misses
    z = 10
    x, y = _tile_of(LON0 + 0.02, LAT0 + 0.005, z)
    ana = token(client, "ana")
    for layer in FIRST_VIEW_LAYERS:
        assert _get(client, f"/tiles/{layer}/{z}/{x}/{y}.mvt", ana)
    assert web.cache.misses == misses
    # a layer the first view does not draw is cut when asked for
    _get(client, f"/tiles/findings/{z}/{x}/{y}.mvt", ana)
    assert web.cache.misses == misses + 1


@pytest.mark.parametrize("ws_target", ["gpkg", "postgis"], indirect=True)
def test_everyone_sees_the_administrative_boundaries(client: TestClient, tmp_path: Path) -> None:
    """Boundaries are public geography: their name and level, cut from either backend, for a
    visitor not logged in; the map names their tiles' version like every other layer's."""
    z = 10
    x, y = _tile_of(LON0 + 0.03, LAT0, z)
    body = _get(client, f"/tiles/boundaries/{z}/{x}/{y}.mvt")
    got = _decode(body, z, x, y, tmp_path, "boundaries")
    areas = got[got.geom_type != "Point"]
    assert list(areas["name"]) == ["Aghdam"] and list(areas["level"]) == ["district"]
    assert set(got.columns) == {"name", "level", "geometry"}
    west, south, _, _ = areas.total_bounds  # the district's square, cut to the tile
    assert abs(west - (LON0 - 0.05)) < 0.001  # its west edge lies inside this tile
    assert south > LAT0 - 0.05 - 0.001  # its south edge lies below: cut at the tile's edge
    config = _map_config(client)
    assert config["layers"]["boundaries"] == 1 and config["tile_versions"]["boundaries"]
    # the name's point: one inside the district over all the tiles the district crosses, where
    # a label of the polygon would be written once per tile
    for zz in (9, 10, 11):
        x0, y0 = _tile_of(LON0 - 0.05, LAT0 + 0.05, zz)
        x1, y1 = _tile_of(LON0 + 0.1, LAT0 - 0.05, zz)
        tiles = [(tx, ty) for tx in range(x0, x1 + 1) for ty in range(y0, y1 + 1)]
        found = []
        for tx, ty in tiles:
            data = _get(client, f"/tiles/boundaries/{zz}/{tx}/{ty}.mvt")
            if data:
                t = _decode(data, zz, tx, ty, tmp_path / f"p{zz}", "boundaries")
                inside = t[t.geom_type == "Point"]
                found += [
                    (g.x, g.y, n) for g, n in zip(inside.geometry, inside["name"], strict=True)
                ]
        # a point in a tile's buffer comes twice, at one place: one place per zoom
        assert len({(round(px, 4), round(py, 4)) for px, py, _ in found}) == 1, (zz, found)
        px, py, name = found[0]
        assert name == "Aghdam"
        assert LON0 - 0.05 < px < LON0 + 0.1 and LAT0 - 0.05 < py < LAT0 + 0.05


@pytest.mark.parametrize("ws_target", ["gpkg", "postgis"], indirect=True)
def test_land_in_use_comes_with_what_its_popup_says(client: TestClient, tmp_path: Path) -> None:
    """Land in use is a layer of its own for those who may read it: the record's code, kind,
    years, date observed, source and confidence (the popup's words), its area cut to the tile;
    the page names its count and version but the map draws it only when switched on."""
    z = 15
    x, y = _tile_of(LON0 + 0.001, LAT0 + 0.001, z)
    ana = token(client, "ana")
    got = _decode(
        _get(client, f"/tiles/land_use/{z}/{x}/{y}.mvt", ana), z, x, y, tmp_path, "land_use"
    )
    assert list(got["land_use_id"]) == ["LU-1"]
    row = got.iloc[0]
    assert (row["kind"], float(row["years_in_use"]), row["observed"]) == (
        "cultivated",
        4.0,
        "2024-05-01",
    )
    assert (row["source"], row["confidence"]) == ("imagery", "high")
    assert set(got.columns) == {
        "land_use_id",
        "kind",
        "years_in_use",
        "observed",
        "source",
        "confidence",
        "geometry",
    }
    # the package's square, as much of it as the tile holds (its grid at zoom 15 is 0.3 m)
    n = 1 << z
    west, east = x / n * 360 - 180, (x + 1) / n * 360 - 180
    north, south = (
        math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * t / n)))) for t in (y, y + 1)
    )
    want = shapely.box(LON0, LAT0, LON0 + 0.002, LAT0 + 0.002) & shapely.box(
        west, south, east, north
    )
    area = got.geometry.iloc[0]
    assert shapely.intersection(area, want).area / shapely.union(area, want).area > 0.99
    # not for visitors who are not logged in, as in the OGC API
    assert client.get(f"/tiles/land_use/{z}/{x}/{y}.mvt").status_code == 401
    assert "land_use" not in _map_config(client)["layers"]
    page = client.get("/map", headers=ana).text
    m = re.search(r'<script type="application/json" id="map-config">(.*?)</script>', page, re.S)
    assert m is not None
    config = json.loads(m.group(1))
    assert config["layers"]["land_use"] == 1 and config["tile_versions"]["land_use"]
    assert [r["value"] for r in config["land_use"]] == [
        "cultivated",
        "built",
        "grazed",
        "road",
        "track",
    ]
