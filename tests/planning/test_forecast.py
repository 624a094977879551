"""The Monte Carlo forecast, the scenarios file and the pace so far."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from landrelease.domain.programme import OfficialEstimates, Programme
from landrelease.errors import UsageError
from landrelease.planning.forecast import (
    Scenario,
    Spread,
    deterministic,
    load_scenarios,
    monte_carlo,
    percentiles,
)
from landrelease.planning.forecasting import evidence_saving, scenario_table
from landrelease.planning.model import PlanProblem, build_problem
from landrelease.planning.orders import greedy_order
from landrelease.planning.pace import pace_end_months, pace_so_far
from landrelease.planning.results import ScenarioResult
from landrelease.planning.schedule import evaluate
from landrelease.planning.tasks import without_cancellation
from tests.planning.builders import random_problem

pytestmark = pytest.mark.filterwarnings(
    "error"
)  # no numpy warnings: unfinished runs are inf, not inf − inf

SPREAD = Spread(
    productivity_cv=0.25,
    funding_cv=0.2,
    contamination_cv=0.5,
    team_days_per_device=0.1,
    ts_confirmed_share=0.3,
    cancelled_found_share=0.3,
)
NO_SPREAD = Spread(
    productivity_cv=0.0,
    funding_cv=0.0,
    contamination_cv=0.0,
    team_days_per_device=0.0,
    ts_confirmed_share=0.3,
)


def long_problem(seed: int = 4, budget: float = 1.2e6, *, certain: bool = False) -> PlanProblem:
    return random_problem(
        seed, hazards=60, settlements=12, months=240, budget=budget, certain=certain
    )


def test_percentiles_are_ordered_and_runs_reproducible() -> None:
    p = long_problem()
    det = deterministic(p, greedy_order(p))
    a = monte_carlo(p, det, spread=SPREAD, runs=300, seed=42)
    b = monte_carlo(p, det, spread=SPREAD, runs=300, seed=42)
    c = monte_carlo(p, det, spread=SPREAD, runs=300, seed=43)
    np.testing.assert_array_equal(a.settlement_month, b.settlement_month)
    np.testing.assert_array_equal(a.cost_usd, b.cost_usd)
    assert not np.array_equal(a.cost_usd, c.cost_usd)
    q = percentiles(a.settlement_month, axis=0)
    assert np.all(q[0] <= q[1]) and np.all(q[1] <= q[2])
    cq = percentiles(a.cost_usd)
    assert cq[0] < cq[1] < cq[2]
    done = percentiles(a.completion_month)
    assert done[0] <= done[1] <= done[2]
    # the programme is done when its last settlement is
    blocked = p.benefits.blocked
    assert np.all(a.completion_month >= a.settlement_month[:, blocked].max(axis=1))
    assert a.settlement_month.shape == (300, len(p.benefits.settlement_ids))


def test_without_uncertainty_the_forecast_is_the_plan() -> None:
    p = long_problem(certain=True)
    det = deterministic(p, greedy_order(p))
    draws = monte_carlo(p, det, spread=NO_SPREAD, runs=5, seed=1)
    plan = evaluate(p, det.schedule.end_month)
    blocked = p.benefits.blocked & np.isfinite(plan.settlement_month)
    for run in range(5):
        np.testing.assert_array_equal(
            draws.settlement_month[run, blocked], plan.settlement_month[blocked]
        )
    assert draws.cost_usd == pytest.approx(det.cost_by_kind.sum())


def test_more_money_is_never_later_run_by_run() -> None:
    tight = long_problem(budget=6e5)
    rich = tight.with_budget(tight.budget_usd * 2)
    order = greedy_order(tight)
    a = monte_carlo(tight, deterministic(tight, order), spread=SPREAD, runs=200, seed=7)
    b = monte_carlo(rich, deterministic(rich, order), spread=SPREAD, runs=200, seed=7)
    assert np.median(b.completion_month) < np.median(a.completion_month)
    assert (b.completion_month <= a.completion_month).mean() > 0.95


def test_the_example_scenarios_and_bad_files(tmp_path: Path) -> None:
    cfg = load_scenarios()
    names = [s.name for s in cfg.scenarios]
    assert {"national_pace", "donors", "more_dogs_machines", "no_cancellation"} <= set(names)
    assert cfg.baseline == "national_pace"
    assert not hasattr(cfg, "official_estimate_usd")  # the programme profile holds it
    f = tmp_path / "s.toml"
    f.write_text('[forecast]\nofficial_estimate_usd = 25e9\n[[scenario]]\nname = "a"\n')
    with pytest.raises(UsageError, match=r"programme profile.*--official-estimate N"):
        load_scenarios(f)
    f.write_text('[forecast]\nbasline = "a"\n[[scenario]]\nname = "a"\n')
    with pytest.raises(UsageError, match=r"unknown key\(s\) basline \(accepted: baseline\)"):
        load_scenarios(f)
    f.write_text('[[scenario]]\nname = "a"\nsurvey = "maybe"\n')
    with pytest.raises(UsageError, match="survey = 'maybe'"):
        load_scenarios(f)
    f.write_text('[[scenario]]\nname = "a"\nbudget = 3\n')
    with pytest.raises(UsageError, match=r"unknown key.*budget"):
        load_scenarios(f)
    f.write_text('[[scenario]]\nname = "a"\n[[scenario]]\nname = "a"\n')
    with pytest.raises(UsageError, match="unique"):
        load_scenarios(f)
    f.write_text('[forecast]\nbaseline = "b"\n[[scenario]]\nname = "a"\n')
    with pytest.raises(UsageError, match="baseline = 'b'"):
        load_scenarios(f)
    with pytest.raises(UsageError, match="does not exist"):
        load_scenarios(tmp_path / "missing.toml")


def test_pace_so_far_from_the_land_release_ledger() -> None:
    # the ledger holds only what approvals booked: no status to filter, methods as booked
    ledger = pd.DataFrame(
        {
            "activity_id": ["A1", "A2", "A3", "A3", "A5"],
            "hazard_id": ["H1", "H2", "H3", "H3", "H5"],
            "method": ["cancelled", "reduced", "cleared", "cleared", "cleared"],
            "released_on": ["2025-12-31", "2025-06-30", "2025-03-15", "2025-03-15", "2023-01-01"],
            "area_m2": [1_200_000.0, 600_000.0, 2_000_000.0, 400_000.0, 9e9],
        }
    )
    pace = pace_so_far(ledger, window_months=12)
    assert pace.window_end is not None and str(pace.window_end) == "2025-12-31"
    assert pace.activities == 3
    months = pace.months
    assert pace.m2_per_month["clearance"] == pytest.approx(2_400_000 / months)
    assert pace.total_m2_per_month == pytest.approx(4_200_000 / months)
    assert pace.months_to_release(8_400_000) == pytest.approx(2 * months)
    # working through tasks at that pace
    end = pace_end_months(
        np.array([1.0, 1.0, 2.0]) * pace.total_m2_per_month, np.array([2, 0, 1]), pace, 3
    )
    assert end.tolist() == [2, -1, 1]


def test_asset_growth_spends_faster_when_money_allows() -> None:
    p = long_problem(budget=1e9)
    order = greedy_order(p)
    grown = dataclasses.replace(p, pool=p.pool.scaled({"dog": 3.0, "machine": 3.0}, ramp_months=12))
    base = monte_carlo(p, deterministic(p, order), spread=SPREAD, runs=100, seed=3)
    more = monte_carlo(
        grown,
        deterministic(grown, order),
        spread=SPREAD,
        runs=100,
        seed=3,
        base_teams=p.pool.teams,
        asset_growth={"dog": 3.0, "machine": 3.0},
        ramp_months=12,
    )
    assert np.median(more.completion_month) < np.median(base.completion_month)


SURVEY = dataclasses.replace(SPREAD, survey_bound_factor=3.0)


def test_cancelled_land_is_reopened_only_where_a_device_comes_to_light() -> None:
    p = long_problem()
    det = deterministic(p, greedy_order(p))
    never = monte_carlo(
        p, det, spread=dataclasses.replace(SURVEY, cancelled_found_share=0.0), runs=100, seed=2
    )
    some = monte_carlo(p, det, spread=SURVEY, runs=100, seed=2)
    always = monte_carlo(
        p, det, spread=dataclasses.replace(SURVEY, cancelled_found_share=1.0), runs=100, seed=2
    )
    assert np.all(never.cancel_kept_share == 1.0)
    assert always.cancel_kept_share.mean() < some.cancel_kept_share.mean() < 1.0
    # paired draws: reopening only adds work
    assert np.all(always.cost_usd >= some.cost_usd - 1e-6)
    assert np.all(some.cost_usd >= never.cost_usd - 1e-6)


def _scenario_pair(budget: float, runs: int, months: int = 240) -> dict[str, ScenarioResult]:
    """The same programme with evidence-based cancellation and without it, at the same money."""
    p = random_problem(4, hazards=60, settlements=12, months=months, budget=budget)
    budget_by_year = dict(zip(p.budget_years, p.budget_usd.tolist(), strict=True))
    q = build_problem(
        tasks=without_cancellation(p.tasks),
        months=p.months,
        pool=p.pool,
        benefits=p.benefits,
        budget_usd_per_year=budget_by_year,
        params=p.params,
    )
    out = {}
    for name, mode, prob in (
        ("evidence", "evidence", p),
        ("no_cancellation", "no_cancellation", q),
    ):
        det = deterministic(prob, greedy_order(prob))
        draws = monte_carlo(prob, det, spread=SURVEY, runs=runs, seed=11)
        out[name] = ScenarioResult(Scenario(name, name, survey=mode), prob, det, draws, budget)
    return out


def test_the_saving_of_evidence_based_survey_has_a_band_of_real_width() -> None:
    results = _scenario_pair(1.2e6, runs=400)
    kept = results["evidence"].draws.cancel_kept_share
    assert kept.min() >= 0 and kept.max() <= 1
    assert np.percentile(kept, 90) - np.percentile(kept, 10) > 0.02  # survey's stated uncertainty
    s = evidence_saving(results)
    assert s["share_p10"] < s["share_p50"] < s["share_p90"]
    assert s["share_p90"] - s["share_p10"] > 0.01
    assert "official_estimate" not in s and "national_p50" not in s  # no profile: no figure
    scaled = evidence_saving(
        results,
        Programme(currency="KHR", estimates=OfficialEstimates(total=4e12, experts_saving=1e12)),
    )
    assert scaled["currency"] == "KHR" and scaled["experts_saving"] == 1e12
    assert scaled["national_p50"] == pytest.approx(s["share_p50"] * 4e12)
    from landrelease.cli.display.plans import _official

    said = _official(scaled)  # what the forecast prints: the official figures in their currency
    assert said.startswith(". Applied to the official estimate of KHR 4,000 bn: about KHR ")
    assert said.endswith("beside the experts' 'up to KHR 1,000 bn'") and "USD" not in said
    assert s["saving_usd_p10"] < s["saving_usd_p90"]
    assert s["cancel_kept_p10"] < s["cancel_kept_p90"] <= 1.0
    # without the survey's uncertainty (and nothing else uncertain) cancellations always hold
    p = results["evidence"].problem
    det = results["evidence"].det
    fixed = monte_carlo(p, det, spread=NO_SPREAD, runs=20, seed=1)
    assert np.all(fixed.cancel_kept_share <= 1.0)


def test_a_wider_survey_bound_makes_cancellations_fail_more_often_and_less_predictably() -> None:
    p = long_problem()
    det = deterministic(p, greedy_order(p))
    narrow = monte_carlo(p, det, spread=SPREAD, runs=300, seed=5)
    wide = monte_carlo(p, det, spread=SURVEY, runs=300, seed=5)
    assert SURVEY.survey_sigma == pytest.approx(np.log(3.0) / 1.2815515655446004)
    assert wide.cancel_kept_share.mean() < narrow.cancel_kept_share.mean()
    assert wide.cancel_kept_share.std() > narrow.cancel_kept_share.std()


def test_runs_that_do_not_finish_are_counted_not_dropped() -> None:
    # two years of a little money: no run of either scenario finishes
    results = _scenario_pair(2e5, runs=50, months=24)
    wo = results["no_cancellation"].draws
    assert not np.isfinite(wo.completion_month).any()
    q = percentiles(wo.completion_month)
    assert np.all(
        np.isinf(q)
    )  # 'after the window', no warning (this module turns them into errors)
    s = evidence_saving(results)
    assert s["runs"] == 50 and s["runs_unfinished_without"] == 50
    assert s["years_saved_at_least"] is True
    assert np.isfinite(s["years_saved_p50"]) and s["years_saved_p50"] >= 0
    table = scenario_table(results, results["evidence"].problem.months[0])
    assert table["completion_p90"].isna().all()  # shown as 'after <window end>'
    assert (table["complete_share"] == 0).all()


def test_percentiles_follow_the_runs_with_infinite_ones_last() -> None:
    values = np.array([3.0, np.inf, 1.0, 2.0, np.inf, 5.0, 4.0, 6.0, 7.0, np.inf])
    assert percentiles(values).tolist() == [1.0, 5.0, np.inf]
    np.testing.assert_array_equal(
        percentiles(np.arange(1.0, 11.0)),
        np.percentile(np.arange(1.0, 11.0), [10, 50, 90], method="inverted_cdf"),
    )


def test_the_pace_date_is_explained_beside_the_forecast() -> None:
    from landrelease.planning.pace import Pace, pace_versus_forecast

    pace = Pace(None, None, 12.0, {"NTS": 3e6, "TS": 0.5e6, "clearance": 0.5e6})
    text = pace_versus_forecast(pace, {"NTS": 1e6, "TS": 1e6, "clearance": 2e6}, "2063-05")
    assert "75% NTS, 12% TS, 12% clearance" in text
    assert "P50 2063-05" in text
    assert "25% NTS, 25% TS, 50% clearance of the area left" in text


def test_scenarios_that_come_out_the_same_say_why() -> None:
    """With no donor money in the last 12 months, '5 × donor money' is today's money: the
    forecast says so instead of printing the same figures twice without a word."""
    from landrelease.planning.forecast import Scenario
    from landrelease.planning.forecasting import same_figures

    scenarios = (
        Scenario("national_pace", "national only", donor_funding=0.0),
        Scenario("donors", "5 × donors", donor_funding=5.0),
        Scenario("more_teams", "twice the teams", asset_growth={"dog": 2.0}),
    )
    notes = same_figures(scenarios, national_usd=24e6, donor_usd=0.0)
    assert notes == [
        "scenario 'donors' gives the same figures as 'national_pace': the last 12 months of "
        "funding hold no donor money, so a multiple of it adds nothing"
    ]
    assert same_figures(scenarios, national_usd=24e6, donor_usd=1e6) == []


def test_the_forecast_says_what_it_assumes_when_survey_states_no_uncertainty() -> None:
    from landrelease.planning.forecasting import survey_uncertainty_notes

    (fallback,) = survey_uncertainty_notes("fallback", None)
    assert "no survey run" in fallback and "assumed to hold no devices" in fallback
    assert "every run keeps every cancellation" in fallback
    (no_bound,) = survey_uncertainty_notes("survey", None)
    assert "states no bound" in no_bound and "contamination level only" in no_bound
    assert survey_uncertainty_notes("survey", 3.0) == []
