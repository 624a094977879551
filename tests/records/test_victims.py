"""Victim assistance and the entitlement to victims' personal data."""

from __future__ import annotations

from pathlib import Path

import pytest

from landrelease.errors import UsageError
from landrelease.io import import_package
from landrelease.records.victims import (
    entitled_users,
    grant_personal_data,
    record_assistance,
    require_entitlement,
)
from landrelease.reports import load_records
from landrelease.store import Workspace, tables
from tests.helpers import write_package


def test_assistance_and_entitlement(workspace: Workspace, tmp_path: Path) -> None:
    assert import_package(workspace, write_package(tmp_path / "pkg"), actor="im").committed
    assert entitled_users(workspace) == ["tester"]  # the workspace's creator
    with pytest.raises(UsageError, match="not entitled"):
        require_entitlement(workspace, "donor")
    with pytest.raises(UsageError, match="not entitled"):
        grant_personal_data(workspace, "donor", actor="donor")
    assert grant_personal_data(workspace, "va_officer", actor="tester") == ["tester", "va_officer"]
    assert grant_personal_data(workspace, "va_officer", actor="tester", revoke=True) == ["tester"]

    assert (
        record_assistance(
            workspace,
            assistance_id="VA-1",
            incident_id="INC-1",
            victim_no=2,
            needs=["prosthetics"],
            name="A. Person",
            address="Street 1",
            actor="va",
            date_of_information="2024-01-01",
        )
        == "inserted"
    )
    assert (
        record_assistance(
            workspace,
            assistance_id="VA-1",
            incident_id="INC-1",
            victim_no=2,
            needs=["prosthetics"],
            services=["prosthetics"],
            actor="va",
            date_of_information="2023-12-01",
        )
        == "not applied"
    )
    assert (
        record_assistance(
            workspace,
            assistance_id="VA-1",
            incident_id="INC-1",
            victim_no=2,
            needs=["prosthetics"],
            services=["prosthetics"],
            name="A. Person",
            actor="va",
            date_of_information="2024-03-01",
        )
        == "updated"
    )
    with pytest.raises(UsageError, match="victim_no must be 1–3"):
        record_assistance(
            workspace, assistance_id="VA-2", incident_id="INC-1", victim_no=7, actor="va"
        )
    with pytest.raises(UsageError, match="unknown need"):
        record_assistance(
            workspace, assistance_id="VA-2", incident_id="INC-1", needs=["money"], actor="va"
        )

    hidden = load_records(workspace).victim_assistance
    assert "name" not in hidden.columns and hidden.iloc[0]["services"] == ["prosthetics"]
    shown = load_records(workspace, include_personal=True).victim_assistance
    assert shown.iloc[0]["name"] == "A. Person"
    # the audit trail keeps before → after of the assistance record; its notes never hold the name
    with workspace.engine.connect() as conn:
        trail = tables.read_table(conn, "audit_log", where={"layer": "victim_assistance"})
    assert list(trail["action"]) == ["insert", "update"]
    assert all("A. Person" not in (note or "") for note in trail["note"])
