"""Database logins see what the web shows their role, and no more: checked login by login."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from landrelease.cli import app
from landrelease.domain import LAYERS
from landrelease.errors import UsageError
from landrelease.io import import_package
from landrelease.store import Workspace, db_roles
from landrelease.store.styles import workspace_styles
from landrelease.web.auth import Role, User
from landrelease.web.visible import COLLECTIONS, visible_frame
from tests.helpers import LAT0, LON0, feature, square, write_fc, write_package

pytestmark = pytest.mark.postgis

PASSWORD = "a-long-enough-password"
DRAFTS = [
    ("ACT-3", "draft", "HALO Trust"),
    ("ACT-4", "submitted", "anama "),  # matched like the web: trimmed, any case
    ("ACT-5", "rejected", "HALO Trust"),
    ("ACT-6", "approved", "HALO Trust"),
]
LOGINS: dict[str, tuple[str, str | None]] = {
    "admin": ("administrator", None),
    "im": ("information_manager", None),
    "analyst": ("analyst", None),
    "op_anama": ("operator", "ANAMA"),
    "op_halo": ("operator", "HALO Trust"),
    "donor": ("donor", None),
}


@pytest.fixture
def roles_ws(pg_url: str, tmp_path: Path) -> Iterator[tuple[Workspace, dict[str, str]]]:
    """A PostGIS workspace with drafts of two organisations and one login per role."""
    ws = Workspace.create(pg_url)
    import_package(ws, write_package(tmp_path / "pkg"))
    more = tmp_path / "drafts"
    more.mkdir()
    write_fc(
        more / "activities.geojson",
        [
            feature(
                {
                    "activity_id": aid,
                    "type": "TS",
                    "hazard_id": "HZ-2",
                    "start": "2024-01-01",
                    "end": "2024-02-01",
                    "outcome": "reduced",
                    "organisation": org,
                    "status": status,
                },
                square(LON0 + 0.04, LAT0, 0.003),
            )
            for aid, status, org in DRAFTS
        ],
    )
    assert import_package(ws, more).committed
    suffix = uuid.uuid4().hex[:6]
    urls = {}
    for name, (role, org) in LOGINS.items():
        login = f"{name}_{suffix}"
        db_roles.create_login(
            ws, login, role=role, password=PASSWORD, organisation=org, actor="tester"
        )
        host = pg_url.split("://", 1)[1].split("@", 1)[1]
        urls[name] = f"postgresql://{login}:{PASSWORD}@{host}"
    try:
        yield ws, urls
    finally:
        with ws.engine.connect() as conn:
            groups = [db_roles.group_role(conn, r) for r in db_roles.ROLES]
        ws.close()
        _drop_roles(pg_url, [u.split("://", 1)[1].split(":", 1)[0] for u in urls.values()], groups)


def _drop_roles(pg_url: str, logins: list[str], groups: list[str]) -> None:
    admin = pg_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for name in groups:
            conn.execute(f'DROP OWNED BY "{name}"')
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in [*logins, *groups]:
            conn.execute(f'DROP ROLE IF EXISTS "{name}"')


def _rows(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


def _denied(url: str, sql: str) -> bool:
    try:
        _rows(url, sql)
    except psycopg.errors.InsufficientPrivilege:
        return True
    return False


def _web_user(name: str) -> User:
    role, org = LOGINS[name]
    return User(name, Role(role), org)


def test_roles_match_the_web_roles() -> None:
    assert set(db_roles.ROLES) == {r.value for r in Role}
    for r in Role:
        assert (r.value in db_roles.PERSONAL_DATA_ROLES) == User("x", r).sees_personal_data


def test_each_login_reads_the_records_the_web_shows_it(
    roles_ws: tuple[Workspace, dict[str, str]],
) -> None:
    ws, urls = roles_ws
    for name, url in urls.items():
        user = _web_user(name)
        for cid, c in COLLECTIONS.items():
            if cid not in {layer.name for layer in LAYERS}:
                continue
            web = set(visible_frame(ws, cid, user)[c.id_field])
            sql = {
                r[0]
                for r in _rows(url, f'SELECT "{c.id_field}" FROM {cid} WHERE retired_at IS NULL')
            }
            assert sql == web, (name, cid, sorted(sql ^ web))
    activities = {
        n: {r[0] for r in _rows(u, "SELECT activity_id FROM activities")} for n, u in urls.items()
    }
    assert activities["op_anama"] == {"ACT-1", "ACT-4", "ACT-6"}
    assert activities["op_halo"] == {"ACT-1", "ACT-3", "ACT-5", "ACT-6"}
    assert activities["donor"] == {"ACT-1", "ACT-6"}
    assert (
        activities["analyst"]
        == activities["im"]
        == {"ACT-1", "ACT-2", "ACT-3", "ACT-4", "ACT-5", "ACT-6"}
    )


def test_the_clean_views_obey_the_same_rules(roles_ws: tuple[Workspace, dict[str, str]]) -> None:
    _, urls = roles_ws
    for name in ("op_halo", "donor"):
        view = {r[0] for r in _rows(urls[name], "SELECT activity_id FROM qgis.activities")}
        table = {r[0] for r in _rows(urls[name], "SELECT activity_id FROM activities")}
        assert view == table
    found = _rows(
        urls["donor"],
        "SELECT hazard_id FROM qgis.hazards WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)",
        (LON0 + 0.002, LAT0 + 0.002, LON0 + 0.004, LAT0 + 0.004),
    )
    assert found == [("HZ-0",)]
    assert len(_rows(urls["donor"], "SELECT * FROM qgis.incidents")) == 1


def test_personal_data_stays_with_the_roles_entitled(
    roles_ws: tuple[Workspace, dict[str, str]],
) -> None:
    _, urls = roles_ws
    for name in ("op_anama", "donor"):
        url = urls[name]
        assert _denied(url, "SELECT victims FROM incidents")
        assert _denied(url, "SELECT * FROM incidents")
        assert _denied(url, "SELECT extra FROM incidents")
        assert _denied(url, "SELECT count(*) FROM victim_assistance")
        assert _denied(url, "SELECT count(*) FROM audit_log")
        assert _rows(url, "SELECT incident_id, killed FROM incidents") == [("INC-1", 1)]
    for name in ("im", "analyst", "admin"):
        victims = _rows(urls[name], "SELECT victims FROM incidents")[0][0]
        assert len(victims) == 3
    for name in ("im", "analyst", "op_anama", "donor"):
        assert _denied(urls[name], "SELECT password_hash FROM web_users")
        assert _denied(urls[name], "SELECT count(*) FROM web_sessions")
        assert _denied(urls[name], "SELECT count(*) FROM db_logins")
    assert _rows(urls["admin"], "SELECT count(*) FROM db_logins") == [(len(LOGINS),)]


def test_only_the_administrator_writes(roles_ws: tuple[Workspace, dict[str, str]]) -> None:
    _, urls = roles_ws
    for name in ("im", "analyst", "op_anama", "donor"):
        assert _denied(urls[name], "UPDATE hazards SET status = 'closed'")
    with psycopg.connect(urls["admin"]) as conn:
        assert (
            conn.execute("UPDATE hazards SET district = 'x' WHERE hazard_id = 'HZ-0'").rowcount == 1
        )
        conn.rollback()


def test_review_steps_of_hidden_drafts_stay_hidden(
    roles_ws: tuple[Workspace, dict[str, str]],
) -> None:
    ws, urls = roles_ws
    with ws.begin() as conn:
        for aid, status, _ in DRAFTS:
            conn.exec_driver_sql(
                "INSERT INTO activity_reviews (activity_id, step, at, actor) "
                "VALUES (%s, %s, now(), 'tester')",
                (aid, status),
            )
    seen = {r[0] for r in _rows(urls["op_anama"], "SELECT activity_id FROM activity_reviews")}
    assert seen == {"ACT-4", "ACT-6"}
    assert {r[0] for r in _rows(urls["donor"], "SELECT activity_id FROM activity_reviews")} == {
        "ACT-6"
    }


def test_logins_survive_a_schema_upgrade(roles_ws: tuple[Workspace, dict[str, str]]) -> None:
    """Views are made again after a migration; logins must still read them."""
    ws, urls = roles_ws
    with ws.begin() as conn:
        conn.exec_driver_sql("DELETE FROM schema_migrations WHERE version = 3")
    Workspace.open(ws.target).close()
    assert len(_rows(urls["donor"], "SELECT * FROM qgis.hazards")) == 3


def test_cli_creates_lists_and_drops_a_login(pg_url: str) -> None:
    Workspace.create(pg_url).close()
    login = f"cli_{uuid.uuid4().hex[:6]}"
    runner = CliRunner()
    try:
        made = runner.invoke(
            app,
            [
                "db",
                "role",
                "create",
                login,
                "--role",
                "operator",
                "--organisation",
                "ANAMA",
                "--password-stdin",
                "--db",
                pg_url,
            ],
            input=PASSWORD + "\n",
        )
        assert made.exit_code == 0, made.output
        assert f"login {login} created" in made.output
        listed = runner.invoke(app, ["db", "role", "list", "--db", pg_url])
        assert [login, "operator", "ANAMA"] in [line.split() for line in listed.output.splitlines()]
        bad = runner.invoke(
            app,
            [
                "db",
                "role",
                "create",
                "x1",
                "--role",
                "operator",
                "--password-stdin",
                "--db",
                pg_url,
            ],
            input=PASSWORD + "\n",
        )
        assert bad.exit_code == 2 and "give --organisation" in bad.output
        dropped = runner.invoke(app, ["db", "role", "drop", login, "--db", pg_url])
        assert dropped.exit_code == 0, dropped.output
        assert login not in runner.invoke(app, ["db", "role", "list", "--db", pg_url]).output
    finally:
        with Workspace.open(pg_url) as ws, ws.engine.connect() as conn:
            groups = [db_roles.group_role(conn, r) for r in db_roles.ROLES]
        _drop_roles(pg_url, [login], groups)


def test_a_geopackage_has_no_logins(tmp_path: Path) -> None:
    ws = Workspace.create(str(tmp_path / "w.gpkg"))
    with pytest.raises(UsageError, match="PostGIS workspaces only"):
        db_roles.create_login(ws, "someone", role="donor", password=PASSWORD, actor="t")
    ws.close()


def test_a_backup_with_logins_restores_into_another_database(
    roles_ws: tuple[Workspace, dict[str, str]], tmp_path: Path
) -> None:
    """Policies name no role: the dump restores anywhere; `db role grant` gives logins rights there."""
    from landrelease.store.backup import backup, restore

    ws, urls = roles_ws
    report = backup(ws, tmp_path / "b.tar", actor="tester")
    base = ws.target.rsplit("/", 1)[0]
    name = f"lr_restored_{uuid.uuid4().hex[:6]}"
    target = f"{base}/{name}"
    try:
        restore(report.path, target, actor="tester")
        with Workspace.open(target) as restored:
            groups = db_roles.grant(restored)
        assert all(g.startswith(name) for g in groups)
        op = urls["op_halo"].rsplit("/", 1)[0] + f"/{name}"
        assert {r[0] for r in _rows(op, "SELECT activity_id FROM activities")} == {
            "ACT-1",
            "ACT-3",
            "ACT-5",
            "ACT-6",
        }
        assert _denied(op, "SELECT victims FROM incidents")
    finally:
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            for r in db_roles.ROLES:
                conn.execute(f'DROP ROLE IF EXISTS "{name}_{r}"')


def test_every_login_reads_the_styles_qgis_applies(
    roles_ws: tuple[Workspace, dict[str, str]],
) -> None:
    """QGIS reads layer_styles as the person connected: every role must be able to."""
    _, urls = roles_ws
    sql = (
        "SELECT f_table_schema, f_table_name FROM layer_styles "
        "WHERE useasdefault AND f_table_catalog = current_database()"
    )
    every = {(s.schema or "public", s.table) for s in workspace_styles("postgresql")}
    assert {("public", "hazards"), ("qgis", "hazards"), ("qgis", "boundaries")} <= every
    for login, url in urls.items():
        assert {tuple(r) for r in _rows(url, sql)} == every, login
