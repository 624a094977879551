"""No cancellation without a map that measured its errors on land it did not learn from."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from landrelease.io import import_package
from landrelease.risk import compute_risk, store_risk, write_geotiff
from landrelease.risk.errors import ResidualErrors, residual_errors
from landrelease.store import Workspace, runs
from landrelease.survey import SurveyRule, decide, store_survey
from landrelease.survey.decisions import cancellation_support, decide_from_stored
from tests.helpers import write_package

ENOUGH = {"searched_cells": 5000, "positive_cells": 300, "training_cells": 5000}


def _measured() -> ResidualErrors:
    rng = np.random.default_rng(0)
    p = rng.uniform(0.001, 0.2, 4000)
    errors = residual_errors(p, rng.poisson(-np.log1p(-p)), np.ones(4000), np.arange(4000) // 100)
    assert errors is not None
    return errors


def test_the_support_rule_names_what_is_missing() -> None:
    assert (
        cancellation_support(
            fallback=False, training=ENOUGH, cross_validated=True, errors=_measured()
        )
        is None
    )
    # in-sample figures only (no errors measured on held-out blocks): refused, with the reason
    assert "cannot be bounded" in str(
        cancellation_support(fallback=False, training=ENOUGH, cross_validated=True, errors=None)
    )
    assert "expert weights" in str(
        cancellation_support(fallback=True, training={}, cross_validated=False)
    )
    few = {**ENOUGH, "searched_cells": 120}
    assert "only 120 searched cells" in str(
        cancellation_support(fallback=False, training=few, cross_validated=True)
    )
    one_site = {**ENOUGH, "activities": 3}
    assert "only 3 technical surveys and clearances" in str(
        cancellation_support(
            fallback=False, training=one_site, cross_validated=True, errors=_measured()
        )
    )
    rare = {**ENOUGH, "positive_cells": 4}
    assert "only 4 searched cells held a device" in str(
        cancellation_support(fallback=False, training=rare, cross_validated=True)
    )
    assert "could not be cross-validated" in str(
        cancellation_support(fallback=False, training=ENOUGH, cross_validated=False)
    )


@pytest.fixture
def unsearched(workspace: Workspace, tmp_path: Path) -> Workspace:
    """The test package without any activity: no land was ever searched."""
    report = import_package(workspace, write_package(tmp_path / "pkg", skip=("activities",)))
    assert report.committed
    return workspace


def test_no_searched_land_no_cancellation_with_the_reason(
    unsearched: Workspace, tmp_path: Path
) -> None:
    run = compute_risk(unsearched)
    assert run.fallback
    result = decide(run, SurveyRule())
    s = result.summary
    assert s["by_decision"]["cancel"]["area_ha"] == 0.0
    assert s["share_cancelled"] == 0.0
    assert str(s["cancellation_withheld"]).startswith("no searched land")
    assert len(result.parts) > 0
    assert all("No land is recommended for cancellation" in c for c in result.parts["confidence"])

    # the same map read back from the workspace withholds it the same way, and the run says so
    tif = write_geotiff(run, tmp_path / "risk.tif")
    run_id = store_risk(unsearched, run, actor="tester", raster=tif)
    stored = decide_from_stored(unsearched, SurveyRule())
    assert stored.summary["cancellation_withheld"] == s["cancellation_withheld"]
    survey_id = store_survey(unsearched, stored, risk_run_id=run_id, actor="tester")
    with unsearched.engine.connect() as conn:
        kept = runs.read_run(conn, "survey", survey_id)
    assert kept is not None and kept["summary"]["cancellation_withheld"].startswith("no searched")


def test_cancelling_on_expert_weights_needs_the_option_and_says_so(unsearched: Workspace) -> None:
    run = compute_risk(unsearched)
    rule = SurveyRule(allow_expert_cancellation=True)
    result = decide(run, rule)
    assert result.summary["cancellation_withheld"] is None
    assert "expert weights" in result.summary["rule"]
    cancelled = result.parts[result.parts["decision"] == "cancel"]
    assert len(cancelled) > 0
    assert all("allowed on expert weights by option" in c for c in result.parts["confidence"])


@pytest.mark.usefixtures("coarse_cells")
def test_a_map_learned_from_searched_land_may_cancel(scenario_ws: Workspace) -> None:
    run = compute_risk(scenario_ws)
    assert not run.fallback and run.scores
    result = decide(run, SurveyRule())
    assert result.summary["cancellation_withheld"] is None
    assert result.summary["share_cancelled"] > 0
    assert not any("cancellation" in c.lower() for c in result.parts["confidence"])
    # and it says what stops it from cancelling more, with the held-out figures behind it
    limit = result.summary["cancellation_limit"]
    assert limit is not None and limit["cause"] in ("held_out_errors", "expectation")
    assert limit["share_by_map_alone"] >= limit["share_cancelled_cells"] > 0
    assert limit["text"].startswith("cancelling stops at about")
