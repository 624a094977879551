"""Database logins on PostGIS with the rights of the web application's roles.

A national centre may give an analyst or an operator a login to the database
itself (QGIS, R, a reporting tool). Such a login must see no more than the
web shows the same person. Each application role is a PostgreSQL group role
of the workspace's database (``<database>_<role>``), and each login is a
member of one:

* **administrator** — every table, read and write (maintenance);
* **information_manager**, **analyst** — read every record, victims'
  personal data included; no write (edits go through imports and the web,
  which keep the audit trail and the date-of-information rule);
* **operator** — reads activities of every organisation once approved, but
  drafts (draft, submitted, rejected) of its own organisation only (row-level
  security), and their review steps likewise; never victims' personal data;
* **donor** — no drafts at all; never victims' personal data.

Personal data is kept from operators and donors by column privileges: they
may read every column of ``incidents`` but ``victims`` (and ``extra``, which
may hold more of it), and nothing of ``victim_assistance`` or the audit trail
(its before/after copies hold whole records). Credentials and sessions of the
web (``web_*``) and this table of logins are the administrator's only.

The views of :mod:`landrelease.store.gis_views` (schema ``qgis``) run with the
reader's rights, so they obey the same rules.

Making roles needs a PostgreSQL user with ``CREATEROLE`` that owns the
workspace's tables (the one that created it). The owner itself is not
restricted: the application connects as it.
"""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa

from landrelease.domain import LAYERS
from landrelease.errors import UsageError
from landrelease.store import gis_views, schema
from landrelease.store.sql import insert_rows, now_iso, quote


class Workspace(Protocol):
    """What this module needs of a :class:`landrelease.store.Workspace` (no import: no cycle)."""

    engine: sa.Engine

    def begin(self) -> AbstractContextManager[sa.Connection]: ...


ROLES = ("administrator", "information_manager", "analyst", "operator", "donor")
"""The application's roles (``landrelease.web.auth.Role``), each a group role in the database."""
PERSONAL_DATA_ROLES = frozenset({"administrator", "information_manager", "analyst"})
"""Roles that read victims' personal data and every organisation's drafts."""
DRAFT_STATUSES = ("draft", "submitted", "rejected")
ADMIN_ONLY_TABLES = frozenset(
    {"web_users", "web_login_failures", "web_login_addresses", "web_sessions", "db_logins"}
)
PERSONAL_TABLES = frozenset({"victim_assistance", "audit_log"})
"""Tables whose every row holds personal data (or whole records with it)."""
_LOGIN = re.compile(r"^[a-z_][a-z0-9_]{0,47}$")
_DRAFT_FUNCTION = "landrelease_sees_drafts_of"


@dataclass(frozen=True)
class DbLogin:
    login: str
    role: str
    organisation: str | None


def group_role(conn: sa.Connection, role: str) -> str:
    """The group role of ``role`` for this workspace's database: ``<database>_<role>``."""
    database = str(conn.exec_driver_sql("SELECT current_database()").scalar())
    name = f"{database}_{role}"
    if len(name) > 63:
        raise UsageError(
            f"the database name {database!r} is too long for role names (PostgreSQL allows "
            "63 characters): use a shorter database name"
        )
    return name


def _require_postgis(conn: sa.Connection) -> None:
    if conn.dialect.name != "postgresql":
        raise UsageError(
            "database logins exist on PostGIS workspaces only (a GeoPackage file has no "
            "logins: share it, or an export without personal data)"
        )


def _role_exists(conn: sa.Connection, name: str) -> bool:
    found = conn.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).scalar()
    return found is not None


# -- group roles, grants and policies ------------------------------------------------------
def apply(conn: sa.Connection) -> list[str]:
    """Create the group roles if missing and (re)apply every grant and policy; idempotent.

    Run after the schema changes (new tables, views made again): :func:`migrations.upgrade`
    does when the workspace has logins.
    """
    _require_postgis(conn)
    groups = {role: group_role(conn, role) for role in ROLES}
    for name in groups.values():
        if not _role_exists(conn, name):
            conn.exec_driver_sql(f"CREATE ROLE {quote(conn, name)} NOLOGIN")
    everyone = ", ".join(quote(conn, g) for g in groups.values())
    home = str(conn.exec_driver_sql("SELECT current_schema()").scalar())
    views = gis_views.VIEW_SCHEMA
    conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {quote(conn, home)}, {views} TO {everyone}")
    conn.exec_driver_sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA {quote(conn, home)} FROM {everyone}")
    conn.exec_driver_sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA {views} FROM {everyone}")
    admin = quote(conn, groups["administrator"])
    conn.exec_driver_sql(f"GRANT ALL ON ALL TABLES IN SCHEMA {quote(conn, home)} TO {admin}")
    conn.exec_driver_sql(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA {quote(conn, home)} TO {admin}")
    conn.exec_driver_sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA {views} TO {everyone}")
    present = set(sa.inspect(conn).get_table_names())
    personal_fields = {layer.name: set(layer.personal_fields) for layer in LAYERS}
    for role, group in groups.items():
        if role == "administrator":
            continue
        g = quote(conn, group)
        for table in sorted(present & set(schema.METADATA.tables)):
            if table in ADMIN_ONLY_TABLES:
                continue
            if role not in PERSONAL_DATA_ROLES:
                if table in PERSONAL_TABLES:
                    continue
                hidden = personal_fields.get(table, set())
                if hidden:
                    cols = [
                        quote(conn, c.name)
                        for c in schema.table(table).columns
                        if c.name not in hidden and c.name != "extra"
                    ]
                    conn.exec_driver_sql(
                        f"GRANT SELECT ({', '.join(cols)}) ON {quote(conn, table)} TO {g}"
                    )
                    continue
            conn.exec_driver_sql(f"GRANT SELECT ON {quote(conn, table)} TO {g}")
    if "layer_styles" in present:  # QGIS's default styles: every login opens layers styled
        conn.exec_driver_sql(f"GRANT SELECT ON layer_styles TO {everyone}")
    _draft_policies(conn, home)
    _memberships(conn, groups)
    return list(groups.values())


def _memberships(conn: sa.Connection, groups: dict[str, str]) -> None:
    """Each login of db_logins that exists on this server is a member of its role's group.

    After a restore into another database (other group names) this gives logins back their rights.
    """
    for login, role in conn.exec_driver_sql("SELECT login, role FROM db_logins").fetchall():
        if role in groups and _role_exists(conn, str(login)):
            conn.exec_driver_sql(f"GRANT {quote(conn, groups[role])} TO {quote(conn, str(login))}")


def _draft_function(conn: sa.Connection, home: str) -> None:
    """Whether the login connected reads drafts of ``organisation``: by its row in db_logins.

    Security definer, so that policies can ask without the login reading db_logins; policies
    name no role, so a backup restores on any server (grants are applied again there).
    """
    full = ", ".join(f"'{r}'" for r in ROLES if r in PERSONAL_DATA_ROLES)
    conn.exec_driver_sql(
        f"CREATE OR REPLACE FUNCTION {quote(conn, home)}.{_DRAFT_FUNCTION}(organisation text) "
        "RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER "
        f"SET search_path = {quote(conn, home)}, pg_temp AS $$ "
        f"SELECT coalesce((SELECT CASE WHEN l.role IN ({full}) THEN true "
        "WHEN l.role = 'operator' THEN lower(btrim(l.organisation)) = lower(btrim($1)) "
        "ELSE false END FROM db_logins l WHERE l.login = session_user), false) $$"
    )


def _draft_policies(conn: sa.Connection, home: str) -> None:
    """Row-level security on activities and their review steps: whose drafts a login reads."""
    _draft_function(conn, home)
    drafts = ", ".join(f"'{s}'" for s in DRAFT_STATUSES)
    sees = f"{quote(conn, home)}.{_DRAFT_FUNCTION}(organisation)"
    policies = {
        "activities": f"status IS NULL OR status NOT IN ({drafts}) OR {sees}",
        # a review step shows a draft's history: readable where its activity is
        "activity_reviews": "activity_id IN (SELECT activity_id FROM activities)",
    }
    for table, using in policies.items():
        conn.exec_driver_sql(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        for name in ("read", "insert", "update", "delete"):
            conn.exec_driver_sql(f"DROP POLICY IF EXISTS landrelease_{name} ON {table}")
        conn.exec_driver_sql(
            f"CREATE POLICY landrelease_read ON {table} FOR SELECT USING ({using})"
        )
        # writing is the administrator's alone, by table privileges; rows are not restricted
        conn.exec_driver_sql(
            f"CREATE POLICY landrelease_insert ON {table} FOR INSERT WITH CHECK (true)"
        )
        conn.exec_driver_sql(
            f"CREATE POLICY landrelease_update ON {table} FOR UPDATE USING (true) WITH CHECK (true)"
        )
        conn.exec_driver_sql(f"CREATE POLICY landrelease_delete ON {table} FOR DELETE USING (true)")


# -- logins --------------------------------------------------------------------------------
def create_login(
    ws: Workspace,
    login: str,
    *,
    role: str,
    password: str,
    organisation: str | None = None,
    actor: str,
) -> DbLogin:
    """Create a PostgreSQL login with the rights of ``role`` (applying the grants first)."""
    problems = []
    if not _LOGIN.match(login):
        problems.append(
            f"login {login!r}: use lower-case letters, digits and _ (at most 48, not starting "
            "with a digit)"
        )
    if role not in ROLES:
        problems.append(f"role {role!r}: expected one of {', '.join(ROLES)}")
    if role == "operator" and not (organisation or "").strip():
        problems.append("an operator belongs to an organisation: give --organisation")
    if role != "operator" and organisation:
        problems.append("only operators belong to an organisation: leave out --organisation")
    if len(password) < 10:
        problems.append("a password needs at least 10 characters")
    if problems:
        raise UsageError("; ".join(problems))
    with ws.begin() as conn:
        _require_postgis(conn)
        if _role_exists(conn, login):
            raise UsageError(f"a database role {login!r} exists already: choose another login name")
        groups = apply(conn)
        group = groups[ROLES.index(role)]
        sql = conn.exec_driver_sql(
            "SELECT format('CREATE ROLE %%I LOGIN PASSWORD %%L IN ROLE %%I', %s::text, %s::text, %s::text)",
            (login, password, group),
        ).scalar()
        conn.exec_driver_sql(str(sql).replace("%", "%%"))
        insert_rows(
            conn,
            "db_logins",
            ("login", "role", "organisation", "created_at", "created_by"),
            [(login, role, organisation, now_iso(), actor)],
        )
    return DbLogin(login, role, organisation)


def grant(ws: Workspace) -> list[str]:
    """(Re)apply the group roles' grants and policies; return the group roles."""
    with ws.begin() as conn:
        return apply(conn)


def list_logins(ws: Workspace) -> list[DbLogin]:
    """The logins made by :func:`create_login`, with their role and organisation."""
    with ws.engine.connect() as conn:
        _require_postgis(conn)
        rows = conn.exec_driver_sql(
            "SELECT login, role, organisation FROM db_logins ORDER BY login"
        ).fetchall()
    return [DbLogin(str(r[0]), str(r[1]), r[2]) for r in rows]


def drop_login(ws: Workspace, login: str) -> None:
    """Remove a login made by :func:`create_login` (its database role and its row)."""
    known = {x.login for x in list_logins(ws)}
    if login not in known:
        raise UsageError(
            f"{login!r} is not a login of this workspace (`landrelease db role list` shows them)"
        )
    with ws.begin() as conn:
        conn.exec_driver_sql(f"DROP ROLE IF EXISTS {quote(conn, login)}")
        conn.exec_driver_sql("DELETE FROM db_logins WHERE login = %s", (login,))


def has_logins(conn: sa.Connection) -> bool:
    if conn.dialect.name != "postgresql" or not sa.inspect(conn).has_table("db_logins"):
        return False
    return conn.exec_driver_sql("SELECT 1 FROM db_logins LIMIT 1").scalar() is not None
