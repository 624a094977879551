"""Every figure of every report reconciles with the land-release ledger and the records."""

from __future__ import annotations

from pathlib import Path

import pytest

from landrelease.errors import UsageError
from landrelease.records.ledger import read_ledger
from landrelease.reports import (
    Records,
    casualty_report,
    donor_report,
    monthly_report,
    settlement_report,
)
from landrelease.reports.data import Period, date_period, month_period, months_back
from landrelease.reports.sections import casualties, casualty_toll
from landrelease.store import Workspace
from tests.reports.builder import CLEARED_JAN_HA, DEVICES_JAN, VICTIM_ADDRESS, VICTIM_NAME, build

HA = 10_000.0


def ledger_ha(ws: Workspace, start: str, end: str) -> dict[str, float]:
    with ws.engine.connect() as c:
        led = read_ledger(c, start=start, end=end)
    return (led.groupby("method")["area_m2"].sum() / HA).to_dict()


def test_the_monthly_report_states_the_seeds_january_line(
    programme: Workspace, records: Records
) -> None:
    r = monthly_report(programme, month="2026-01", records=records, figures=False)
    assert r.headline[0] == "In January 2026:"
    assert (
        "Teams destroyed 37 anti-tank mines, 337 anti-personnel mines and 1,364 UXO." in r.headline
    )
    land = next(line for line in r.headline if "of land were released" in line)
    assert land.endswith("and 1,738.3 ha cleared.")
    assert "1 hazard was fully released and closed." in r.headline
    assert (
        "1 settlement (800 people planned to return) no longer has an open hazard within 1,500 m."
        in r.headline
    )
    assert "2 incidents killed 1 and injured 2 people." in r.headline
    assert "USD 5,450,000 was received (92 % national); USD 3,400,000 spent." in r.headline


def test_monthly_figures_reconcile_with_the_ledger_and_the_findings(
    programme: Workspace, records: Records
) -> None:
    r = monthly_report(programme, month="2026-01", records=records, figures=False)
    by_method = dict(
        zip(
            *[r.table("released_by_method").column(c) for c in ("method", "area (ha)")], strict=True
        )
    )
    assert by_method == pytest.approx(ledger_ha(programme, "2026-01-01", "2026-01-31"))
    assert by_method["cleared"] == pytest.approx(sum(CLEARED_JAN_HA))
    assert r.table("released_by_method").total[1] == pytest.approx(sum(by_method.values()))
    per_activity = r.table("released_by_activity").column("area (ha)")
    assert sum(per_activity) == pytest.approx(sum(by_method.values()))

    devices = r.table("devices_by_type")
    assert (
        dict(zip(devices.column("device"), devices.column("destroyed"), strict=True)) == DEVICES_JAN
    )
    assert devices.column("found, not destroyed") == [0, 0, 5]
    assert "4 devices were found by activities not yet approved" in devices.note

    money = r.table("money_by_source")
    assert money.column("source") == ["national", "Japan"]
    assert money.column("received (USD)") == [5_000_000.0, 450_000.0]
    assert money.column("spent (USD)") == [3_200_000.0, 200_000.0]
    assert r.table("hazards_closed").column("hazard") == ["HZ-SMALL"]
    assert r.table("returns_enabled").column("settlement") == ["Kahrizli"]
    assert r.table("inspections").column("decision") == ["accepted"]
    assert r.table("eore_reached").rows == [[1, 12, 9, 20, 18, 59]]
    groups = r.table("casualties_by_group")
    assert sum(groups.column("total")) == 3  # 1 killed + 2 injured


def test_months_add_up_to_the_ledger(programme: Workspace, records: Records) -> None:
    total: dict[str, float] = {}
    for month in months_back("2026-02-01", 6):
        r = monthly_report(programme, month=month, records=records, figures=False)
        if not r.has_data or "released_by_method" not in {t.key for t in r.tables()}:
            continue
        t = r.table("released_by_method")
        for m, v in zip(t.column("method"), t.column("area (ha)"), strict=True):
            total[m] = total.get(m, 0.0) + v
    assert total == pytest.approx(ledger_ha(programme, "0000-01-01", "9999-12-31"))
    donor = donor_report(
        programme, start="2025-09-01", end="2026-01-31", records=records, figures=False
    )
    t = donor.table("released_by_method")
    assert dict(zip(t.column("method"), t.column("area (ha)"), strict=True)) == pytest.approx(total)
    assert dict(
        zip(
            *[donor.table("devices_by_type").column(c) for c in ("device", "destroyed")],
            strict=True,
        )
    ) == {
        "AT": 37,
        "AP": 337,
        "UXO": 1364 + 10,
    }


def test_a_month_without_records_says_so(programme: Workspace, records: Records) -> None:
    r = monthly_report(programme, month="2024-03", records=records, figures=False)
    assert not r.has_data and not r.tables() and not r.sections
    assert (
        r.headline[0]
        == "This workspace holds no records dated in March 2024: its records run from 2025-02 to 2026-01."
    )
    assert "0.0 ha" not in r.text() and " 0 " not in r.text()
    with pytest.raises(UsageError, match=r"^month 2026-13 is not a month: a year has 12 months"):
        monthly_report(programme, month="2026-13", records=records, figures=False)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (
            "2026-02-30",
            "2026-03-31",
            "first day 2026-02-30 is not a date: February 2026 has 28 days",
        ),
        ("2026-01-01", "2026-04-31", "last day 2026-04-31 is not a date: April 2026 has 30 days"),
        ("2026-1-1", "2026-03-31", "first day '2026-1-1' is not a day: give it as YYYY-MM-DD"),
    ],
)
def test_a_period_that_names_no_day_is_refused_saying_why(
    start: str, end: str, message: str
) -> None:
    with pytest.raises(UsageError) as refused:
        date_period(start, end)
    assert str(refused.value).startswith(message)
    with pytest.raises(UsageError, match=r"^month 2026-00 is not a month: a year has 12 months"):
        month_period("2026-00")


def test_a_quiet_section_says_nothing_happened_instead_of_zero(
    programme: Workspace, records: Records
) -> None:
    r = monthly_report(
        programme, month="2025-12", records=records, figures=False
    )  # TS-D and funding, no incident, no QA
    assert r.has_data
    text = r.text()
    assert "No mine or explosive ordnance incident was recorded in December 2025." in text
    assert "No quality assurance or quality control visit was recorded in December 2025." in text
    assert "No casualty was recorded." in r.headline
    assert "casualties_by_group" not in {t.key for t in r.tables()}


def test_a_quiet_period_given_by_its_dates_reads_from_start_to_end(
    programme: Workspace, records: Records
) -> None:
    r = donor_report(
        programme, start="2025-12-01", end="2025-12-31", records=records, figures=False
    )  # TS-D and funding, no incident, no QA
    text = r.text()
    assert (
        "No quality assurance or quality control visit was recorded from 2025-12-01 to 2025-12-31."
        in text
    )
    assert (
        "No mine or explosive ordnance incident was recorded from 2025-12-01 to 2025-12-31." in text
    )
    assert " in 2025-12-01 to " not in text


@pytest.mark.parametrize(
    ("period", "during"),
    [
        (month_period("2026-10"), "in October 2026"),
        (date_period("2025-11-01", "2026-10-31"), "from 2025-11-01 to 2026-10-31"),
        (Period("2026-01-01", "2026-12-31", "2026"), "in 2026"),
    ],
)
def test_a_period_follows_a_verb_in_words(period: Period, during: str) -> None:
    assert period.during == during


@pytest.mark.parametrize(
    ("incidents", "killed", "injured", "words"),
    [
        (2, 1, 2, "2 incidents killed 1 and injured 2 people"),
        (2, 0, 2, "2 incidents injured 2 people; none was killed"),
        (1, 0, 1, "1 incident injured 1 person; none was killed"),
        (1, 1, 0, "1 incident killed 1 person; none was injured"),
        (3, 4, 0, "3 incidents killed 4 people; none was injured"),
        (1, 0, 0, "1 incident was recorded; no one was killed or injured"),
        (2, 0, 0, "2 incidents were recorded; no one was killed or injured"),
        (1_200, 300, 2_500, "1,200 incidents killed 300 and injured 2,500 people"),
    ],
)
def test_a_casualty_toll_states_no_zero_as_a_toll(
    incidents: int, killed: int, injured: int, words: str
) -> None:
    assert casualty_toll(incidents, killed, injured) == words


@pytest.mark.parametrize(
    ("killed", "injured", "words"),
    [
        (0, 1, "1 person injured"),
        (1, 0, "1 person killed"),
        (2, 3, "2 people killed and 3 injured"),
        (1, 1, "1 person killed and 1 injured"),
        (0, 4, "4 people injured"),
        (0, 0, "no one killed or injured"),
        (1_200, 2_500, "1,200 people killed and 2,500 injured"),
    ],
)
def test_casualties_state_no_zero_and_count_people(killed: int, injured: int, words: str) -> None:
    assert casualties(killed, injured) == words


def test_who_the_casualties_were_follows_their_count() -> None:
    assert (
        casualty_toll(2, 0, 3, who="3 civilians; 1 child among them")
        == "2 incidents injured 3 people: 3 civilians; 1 child among them; none was killed"
    )
    assert (
        casualty_toll(1, 0, 0, who="ignored")
        == "1 incident was recorded; no one was killed or injured"
    )


def test_the_donor_report_is_aggregated(programme: Workspace, records: Records) -> None:
    r = donor_report(
        programme,
        start="2025-01-01",
        end="2026-01-31",
        donor="Japan",
        records=records,
        figures=False,
    )
    text = r.text()
    assert "Japan: USD 450,000 received, USD 200,000 spent." in text
    assert VICTIM_NAME not in text and "victims" not in {t.key for t in r.tables()}
    assert all(c.label != "age" for t in r.tables() for c in t.columns)
    money = r.table("money_by_source")
    assert money.column("source") == ["national", "European Union", "Japan"]
    assert money.total[1] == pytest.approx(6_650_000.0)


def test_the_settlement_report_says_what_blocks_it(programme: Workspace, records: Records) -> None:
    r = settlement_report(programme, name="aghdam", records=records, figures=False)
    blocking = r.table("blocking_hazards")
    assert blocking.column("hazard") == ["HZ-BIG"]
    area, released, remaining = (blocking.rows[0][i] for i in (4, 5, 6))
    assert released == pytest.approx(sum(CLEARED_JAN_HA))  # reconciles with the ledger
    assert remaining == pytest.approx(area - released)
    assert "1 open hazard within 1,500 m still blocks its return" in r.headline[0]
    assert r.headline[1].startswith("No operations plan exists in this workspace yet")

    people = next(s for s in r.sections if s.heading == "Incidents and risk education")
    assert people.paragraphs[0] == (
        "6 incidents within 1,500 m since 2025-03-14: 4 people killed and 12 injured"
        " (latest 2026-01-08)."
    )

    kah = settlement_report(programme, name="Kahrizli", records=records, figures=False)
    assert (
        "no open hazard lies within 1,500 m; 1 hazard nearby is closed (the last completed on 2026-01-20)"
        in kah.headline[0]
    )
    assert kah.table("eore_delivered").rows == [[1, 12, 9, 20, 18, "2026-01-18"]]

    planned = settlement_report(
        programme,
        name="Fuzuli",
        records=records,
        readiness={
            "date": "2027-05-31",
            "low": "2027-02-28",
            "high": "2027-10-31",
            "confidence": 0.8,
            "expected": "2027-06-30",
            "scenario": "baseline",
            "status": "planned",
        },
    )
    assert planned.headline[1] == (
        "The operations plan expects the land to be ready by 2027-05-31; the forecast (baseline scenario) "
        "puts it between 2027-02-28 and 2027-10-31 (80 % of runs), 2027-06-30 at the median."
    )
    with pytest.raises(UsageError, match="did you mean Kahrizli"):
        settlement_report(programme, name="Kahrizly", records=records)


def test_casualty_breakdowns_add_up_and_keep_personal_data_out(programme: Workspace) -> None:
    r = casualty_report(programme, year=2026, user="someone", figures=False)
    assert (
        r.headline[0]
        == "In 2026, 2 incidents killed 1 and injured 2 people: 2 civilians and 1 deminer; 1 child among them."
    )
    for key in ("by_group", "by_age_group", "by_gender", "by_device"):
        assert sum(r.table(key).column("total")) == 3
    assert r.table("by_age_group").column("age group") == ["child (0–17)", "adult (18–59)"]
    assert r.table("by_month").total == ["year", 2, 1, 2, 3]
    assert VICTIM_NAME not in r.text() and "victims" not in {t.key for t in r.tables()}
    assert r.table("assistance").rows[0] == ["medical", 1, 1, 0]

    y25 = casualty_report(programme, year=2025, user="someone", figures=False)
    act = y25.table("civilian_activity")
    assert act.column("activity")[:4] == [
        "unauthorised travel",
        "agriculture",
        "infrastructure work",
        "official duty",
    ]
    assert act.column("national reference (%)")[:4] == [38.0, 22.0, 20.0, 20.0]
    assert sum(act.column("total")) == sum(y25.table("by_group").column("total")[:1])
    ranks = y25.table("eore_priorities")
    assert ranks.column("rank") == [1, 2, 3] and ranks.column("settlement")[0] == "Aghdam"

    with pytest.raises(UsageError, match="not entitled"):
        casualty_report(programme, year=2026, user="someone", include_personal_data=True)
    personal = casualty_report(
        programme, year=2026, user="builder", include_personal_data=True, figures=False
    )
    victims = personal.table("victims")
    assert VICTIM_NAME in victims.column("name") and VICTIM_ADDRESS in victims.column("address")
    assert sorted(v for v in victims.column("age") if v is not None) == [12, 34, 41]
    assert personal.personal_data and personal.name.endswith("-personal")

    empty = casualty_report(programme, year=2019, user="someone")
    assert not empty.has_data and empty.headline[0].startswith("No incident is recorded in 2019")


def test_reports_reconcile_on_both_backends(workspace: Workspace, tmp_path: Path) -> None:
    build(workspace, tmp_path / "package")
    r = monthly_report(workspace, month="2026-01", figures=False)
    by_method = dict(
        zip(
            *[r.table("released_by_method").column(c) for c in ("method", "area (ha)")], strict=True
        )
    )
    assert by_method == pytest.approx(ledger_ha(workspace, "2026-01-01", "2026-01-31"))
    assert by_method["cleared"] == pytest.approx(1738.3)
    assert (
        "Teams destroyed 37 anti-tank mines, 337 anti-personnel mines and 1,364 UXO." in r.headline
    )
    s = settlement_report(workspace, name="Aghdam", figures=False)
    assert s.table("blocking_hazards").rows[0][5] == pytest.approx(1738.3)
    assert month_period("2026-01").end == "2026-01-31"
