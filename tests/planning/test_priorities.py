"""Multi-criteria priorities: contributions, weights, sensitivity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from landrelease.errors import UsageError
from landrelease.planning.priorities import CRITERIA, Weights, score_hazards, sensitivity

EQUAL = Weights(people=1, infrastructure=1, farmland=1, casualty_risk=1, cost=1)


def criteria(rows: list[tuple[str, float, float, float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        columns=[
            "hazard_id",
            "people",
            "infrastructure",
            "farmland_ha",
            "casualty_risk",
            "cost_usd",
        ],
    )


def test_scores_are_weighted_shares_of_each_criterion_maximum() -> None:
    c = criteria(
        [
            ("H1", 1000, 2, 10, 0.5, 100_000),
            ("H2", 500, 4, 0, 1.0, 50_000),
            ("H3", 0, 0, 40, 0.0, 200_000),
        ]
    )
    ranked = score_hazards(c, EQUAL).set_index("hazard_id")
    # H1: (1 + 0.5 + 0.25 + 0.5 - 0.5) / 5
    assert ranked.loc["H1", "score"] == pytest.approx(1.75 / 5)
    assert ranked.loc["H2", "score"] == pytest.approx((0.5 + 1 + 0 + 1 - 0.25) / 5)
    assert ranked.loc["H3", "score"] == pytest.approx((0 + 0 + 1 + 0 - 1) / 5)
    contrib = ranked[[f"c_{k}" for k in CRITERIA]].sum(axis=1)
    np.testing.assert_allclose(contrib, ranked["score"])
    assert list(ranked.sort_values("rank").index) == ["H2", "H1", "H3"]
    assert ranked.loc["H3", "c_cost"] == pytest.approx(-0.2)


def test_weights_are_normalised_and_bad_ones_refused(tmp_path: Path) -> None:
    w = Weights(people=2, infrastructure=1, farmland=1, casualty_risk=0, cost=0)
    assert w.normalised() == {
        "people": 0.5,
        "infrastructure": 0.25,
        "farmland": 0.25,
        "casualty_risk": 0.0,
        "cost": 0.0,
    }
    with pytest.raises(UsageError, match=r"≥ 0: cost = -0\.1"):
        Weights(people=1, infrastructure=0, farmland=0, casualty_risk=0, cost=-0.1).normalised()
    with pytest.raises(UsageError, match="sum to zero"):
        Weights(people=0, infrastructure=0, farmland=0, casualty_risk=0, cost=0).normalised()
    f = tmp_path / "weights.toml"
    f.write_text("[weights]\npeople = 3\ncost = 0.5\n")
    loaded = Weights.from_toml(f, base=EQUAL)
    assert loaded.people == 3 and loaded.cost == 0.5 and loaded.farmland == 1
    f.write_text("[weights]\npoeple = 3\n")
    with pytest.raises(UsageError, match=r"unknown weight.*poeple"):
        Weights.from_toml(f)
    f.write_text("[weights]\npeople = 'a lot'\n")
    with pytest.raises(UsageError, match="not a number"):
        Weights.from_toml(f)


def test_default_weights_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANDRELEASE_PRIORITY_WEIGHT_COST", "0.3")
    assert Weights.from_settings().cost == 0.3
    assert sum(Weights.from_settings().normalised().values()) == pytest.approx(1.0)


def test_sensitivity_shows_what_enters_and_leaves_the_top() -> None:
    # two people-heavy hazards and two farmland-heavy ones; the top 2 flips with the weights
    c = criteria(
        [
            ("P1", 1000, 0, 0, 0, 1),
            ("P2", 980, 0, 0, 0, 1),
            ("F1", 500, 0, 100, 0, 1),
            ("F2", 490, 0, 99, 0, 1),
        ]
    )
    w = Weights(people=0.63, infrastructure=0, farmland=0.37, casualty_risk=0, cost=0)
    base = score_hazards(c, w)
    assert base["hazard_id"].head(2).tolist() == ["F1", "F2"]
    sens = sensitivity(c, w, top_n=2, change=0.25).set_index(["criterion", "change"])
    up = sens.loc[("people", "+25%")]
    assert (
        up["kept"] == 0
        and sorted(up["entered"]) == ["P1", "P2"]
        and sorted(up["left"]) == ["F1", "F2"]
    )
    assert up["weight"] == pytest.approx(0.7875 / 1.1575)
    # a criterion with weight zero cannot move anything
    z = sens.loc[("infrastructure", "-25%")]
    assert z["kept"] == 2 and z["largest_move"] == 0 and z["weight"] == 0
    assert len(sens) == 2 * len(CRITERIA)


def test_the_sensitivity_table_names_each_criterion_as_the_weights_line_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from types import SimpleNamespace

    from rich.console import Console

    from landrelease.cli.display import plans
    from landrelease.planning.priorities import LABEL

    c = criteria([("HZ-A", 100, 1, 1, 0.5, 1_000), ("HZ-B", 10, 5, 2, 0.1, 500)])
    table = score_hazards(c, EQUAL)
    result = SimpleNamespace(
        notes=[],
        top_n=2,
        weights=EQUAL.normalised(),
        task_source="survey",
        table=table.assign(people=table["hazard_id"].map({"HZ-A": 100, "HZ-B": 10})),
        sensitivity=sensitivity(c, EQUAL, top_n=2, change=0.25),
        run_id=None,
    )
    out = Console(record=True, width=80)
    monkeypatch.setattr(plans, "console", out)
    plans.show_priorities(result)  # type: ignore[arg-type]
    text = out.export_text()
    sens = text[text.index("Sensitivity") :]
    assert "casualty_r" not in sens and "infrastruc…" not in sens
    rows = sens.splitlines()[1:]
    assert all(line.rstrip()[-1] in "┓┃┩│┘" for line in rows)  # the table fits in 80 columns
    criterion_cells = [line.split("│")[1] for line in sens.splitlines() if line.startswith("│")]
    words = " ".join(" ".join(criterion_cells).split())
    for c_name in CRITERIA:
        assert words.count(LABEL[c_name]) == 2  # one row per direction, each named in full
