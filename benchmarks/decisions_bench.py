"""Land-release decisions against the truth: generated worlds of varied doctrine, and real outcomes.

Part 1, generated worlds. For each seed (default 301–310 at small scale, and
401, … for ``--district-worlds``; never used while the engine was developed)
the scenario is generated with its doctrine and noise drawn from the seed —
how many UXO beside the mines, how many handed-over minefield maps are
accurate, how strongly past search favoured towns and returns, how many
incidents are reported, how often witnesses are wrong — then imported, mapped
(``compute_risk``) and decided (``decide`` with the default rule: keep 99 % of
the expected devices in surveyed or cleared land). Each world runs in its own
process, so its peak memory is its own. The confirmation sample the decisions
draw over their cancelled land is then searched in the world
(``scenario.field.search_sites``: each device still in the ground inside a site
found with the scenario's technical-survey detection for its kind), and a
failed sample sends the cancelled land to technical survey, as ``landrelease
confirm`` does. The decisions that follow (and those before the sample, in the
columns ending in 0) are scored against the devices really left in the ground
(``survey.evaluate``): does the promise of
99 % hold, are the devices the decisions say they leave in cancelled land the
devices really left there, how much of the land the map's ranking allows to
be cancelled is cancelled. Last, the first world again with its searched land
(activities and findings) dropped before the import: nothing may be cancelled
there, and the reason is printed.

Part 2, real outcomes. Antioquia (Colombia): about 3,800 cells of 1 km whose
searched outcome is known (a mine, or searched and none), from the RELand
study (Mateo Dulce Rubio, Siqi Zeng et al., "RELand: Risk Estimation of
Landmines via Interpretable Invariant Risk Minimization", arXiv:2311.03115;
the cells in ``shared/data/reland-antioquia``, MIT licence, © 2024 Siqi
Zeng). Spatial cross-validation over 4 km blocks (5 folds; 3 seeds shuffle
which block goes to which fold) over the labelled cells: simple rules on the
distances to the training cells' outcomes, simple kriging of those outcomes
(its range and nugget chosen inside the training cells; decision 0048), and
the engine itself, fed the
training cells as searched land (a technical-survey activity per cell, a
finding at the centre of each mine cell) through an evidence package, the
workspace and the engine's own training set and features — so whatever
evidence the engine learns to read from searched land is in the comparison
without changing this file.

Run (``make bench-decisions`` runs the first; a few minutes)::

    .venv/bin/python benchmarks/decisions_bench.py --worlds 10 --scale small
    .venv/bin/python benchmarks/decisions_bench.py --skip-worlds          # Antioquia only
    .venv/bin/python benchmarks/decisions_bench.py --worlds 0 --district-worlds 2 --skip-antioquia --out out/

Prints, per part, what each column means, one table, and the goal lines;
``--out DIR`` also writes the tables as CSV. Progress goes to stderr. Printed,
never asserted.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import functools
import multiprocessing
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

RELAND_CREDIT = (
    "Antioquia cells from the RELand study: M. Dulce Rubio, S. Zeng, Q. Wang, D. Alvarado, "
    "F. Moreno, H. Heidari, F. Fang, 'RELand: Risk Estimation of Landmines via Interpretable "
    "Invariant Risk Minimization' (arXiv:2311.03115); data under the MIT licence, © 2024 Siqi Zeng"
)
RELAND_CELLS = Path("shared/data/reland-antioquia/cells.csv")
"""Where the cells lie beside the checkout (``../shared`` of the repository, or further up)."""
ENGINE_MODELS = ("evidence", "boosted", "distance")
FIRST_SEED = 301
FIRST_DISTRICT_SEED = 401
"""Seeds of the worlds (301, 302, … at ``--scale``; 401, 402, … for ``--district-worlds``):
never used while the engine was developed."""
SEARCHED_LAYERS = ("activities", "findings")
"""Dropped from the package of the world with no searched land."""


def say(text: str) -> None:
    """A progress line on stderr."""
    print(text, file=sys.stderr, flush=True)


# --- part 1: generated worlds ------------------------------------------------------------------


@dataclass(frozen=True)
class Doctrine:
    """How one generated world differs from the default: drawn from its seed, so a world is
    the same every time it is run."""

    uxo_factor: float
    """Battle UXO (artillery, cluster strikes) relative to the default count."""
    accurate_maps: float
    """Share of handed-over minefield maps that are accurate (default 25 %)."""
    search_bias: float
    """How strongly past survey and clearance favoured towns, returns and land away from the
    front, relative to the default priorities (below 1: closer to chance)."""
    incident_factor: float
    """Civilian incidents recorded, relative to the default rate."""
    witness_error: float
    """Share of statements that are wrong, both ways (default 25 % and 30 %)."""

    @classmethod
    def of(cls, seed: int) -> Doctrine:
        rng = np.random.default_rng([seed, 0xDEC1])

        def log_uniform(lo: float, hi: float) -> float:
            return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))

        return cls(
            uxo_factor=log_uniform(0.25, 3.0),
            accurate_maps=float(rng.uniform(0.05, 0.6)),
            search_bias=log_uniform(0.25, 4.0),
            incident_factor=log_uniform(0.3, 3.0),
            witness_error=float(rng.uniform(0.1, 0.45)),
        )

    def parameters(self) -> Any:
        """The generator's parameters for this world (:class:`landrelease.scenario.Parameters`)."""
        from landrelease.scenario import DEFAULT

        p = DEFAULT
        wrong = [(k, w) for k, w in p.maps.accuracy if k != "accurate"]
        rest = sum(w for _, w in wrong)
        accuracy = (
            ("accurate", self.accurate_maps),
            *((k, (1 - self.accurate_maps) * w / rest) for k, w in wrong),
        )
        h, b = p.history, self.search_bias
        return replace(
            p,
            battle=replace(p.battle, uxo_total=round(p.battle.uxo_total * self.uxo_factor)),
            maps=replace(p.maps, accuracy=accuracy),
            history=replace(
                h,
                weight_population=h.weight_population * b,
                programme_weight=1 + (h.programme_weight - 1) * b,
                weight_front=h.weight_front * b,
            ),
            incidents=replace(
                p.incidents,
                incidents_per_exposure=p.incidents.incidents_per_exposure * self.incident_factor,
            ),
            testimony=replace(
                p.testimony, false_negative=self.witness_error, false_positive=self.witness_error
            ),
        )


@dataclass(frozen=True)
class WorldJob:
    seed: int
    scale: str
    model: str | None
    cell_m: float | None
    searched: bool = True
    """False: the package's activities and findings are dropped before the import."""
    backtest: bool = True
    """Run the backtest first and decide with its verdict, as the user's path does."""

    @property
    def label(self) -> str:
        return f"world {self.seed} ({self.scale}{'' if self.searched else ', no searched land'})"


def run_world(job: WorldJob) -> dict[str, Any]:
    """Generate, import, map, decide and score one world (in its own process); one table row."""
    import pandas as pd

    from landrelease.errors import UsageError
    from landrelease.io import import_package
    from landrelease.pipeline import check_engine
    from landrelease.risk.pipeline import compute_risk
    from landrelease.scenario import generate
    from landrelease.scenario.field import search_sites
    from landrelease.store import Workspace
    from landrelease.survey import SurveyRule, decide, latest_backtest
    from landrelease.survey.backtest import default_as_of
    from landrelease.survey.confirm import confirmation_verdict
    from landrelease.survey.decisions import confirmed_parts
    from landrelease.survey.evaluate import evaluate, load_truth

    doctrine = Doctrine.of(job.seed)
    rule = SurveyRule()
    tag = job.label
    with tempfile.TemporaryDirectory(prefix="decisions-bench-") as tmp:
        pkg = Path(tmp) / "package"
        t0 = time.perf_counter()
        say(f"{tag}: generating")
        generate(
            region="karabakh",
            seed=job.seed,
            scale=job.scale,
            out=pkg,
            params=doctrine.parameters(),
        )
        if not job.searched:
            for name in SEARCHED_LAYERS:
                for path in pkg.glob(f"{name}.*"):
                    path.unlink()
        say(f"{tag}: importing")
        ws = Workspace.create(str(Path(tmp) / "world.gpkg"))
        import_package(ws, pkg, repair=True)
        t1 = time.perf_counter()
        checked: dict[str, Any] | None = None
        if job.backtest:
            # the user's path (`landrelease demo`, the guide): the backtest first, kept in the
            # workspace, whose verdict the decisions then read
            say(f"{tag}: backtest")
            try:
                check_engine(ws, default_as_of(ws), model=job.model, cell_m=job.cell_m)
                checked = latest_backtest(ws)
            except UsageError as e:  # no dated records: nothing to backtest on
                say(f"{tag}: no backtest ({e})")
        t_bt = time.perf_counter()
        say(f"{tag}: risk map and decisions")
        run = compute_risk(ws, model=job.model, cell_m=job.cell_m)
        result = decide(run, rule, backtest=checked)
        t2 = time.perf_counter()
        ws.close()
        # the field: the teams search the confirmation sites the decisions drew, and the
        # cancelled land stands or goes to technical survey by what they find
        terms = result.summary.get("confirmation")
        verdict = None
        if terms is not None and result.sites is not None:
            say(f"{tag}: searching {terms['sites']:,} confirmation sites")
            found = search_sites(
                result.sites,
                pkg / "truth",
                site_m=rule.confirmation.site_m,
                seed=job.seed,
                history=doctrine.parameters().history,
            )
            verdict = confirmation_verdict(
                terms, searched=len(found), found=int(found["devices_found"].sum())
            )
        truth = load_truth(pkg / "truth", run.grid.crs)
        items = pd.read_parquet(pkg / "truth" / "items.parquet", columns=["device", "cleared"])
    hazards = run.evidence.hazards
    scored = functools.partial(evaluate, grid=run.grid, hazards=hazards, truth_xy=truth)
    before = scored(probability=run.probability, parts=result.parts)
    parts = result.parts if verdict is None else confirmed_parts(result.parts, verdict)
    ev = scored(probability=run.probability, parts=parts, expected=run.expected)
    # the map a perfect survey would draw: the true devices of each cell
    perfect = scored(probability=_counts(run.grid, truth), parts=result.parts.iloc[:0])
    cancel = parts[parts["decision"] == "cancel"] if len(parts) else parts
    cancel0 = result.parts[result.parts["decision"] == "cancel"] if len(parts) else parts
    left = items[~items["cleared"].astype(bool)]
    d = ev.decisions
    return {
        "seed": job.seed,
        "scale": job.scale,
        "searched": job.searched,
        "model": run.model,
        "uxo_share": float(left["device"].isin(["UXO", "AXO"]).mean()),
        **asdict(doctrine),
        "setup_s": t1 - t0,
        "backtest_s": t_bt - t1,
        "map_s": t2 - t_bt,
        "backtest_verdict": ((checked or {}).get("summary") or {}).get("verdict", "–"),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "roc_auc": ev.map.roc_auc,
        "pr_auc": ev.map.pr_auc,
        "allowed": ev.map.released_at_99,
        "perfect": perfect.map.released_at_99,
        "cancelled": d["share_area_cancelled"],
        "cancelled_ha": float(cancel["area_m2"].sum()) / 1e4 if len(cancel) else 0.0,
        "rule": rule.describe(),
        "target": rule.target_recall,
        "true_recall": d["true_recall"],
        "stated_left": float(cancel["expected_devices"].sum()) if len(cancel) else 0.0,
        "bound_left": float(cancel["devices_bound"].sum())
        if "devices_bound" in parts.columns
        else None,
        "true_left": d["devices_in_cancelled_land"],
        "stated_total": float(parts["expected_devices"].sum()) if len(parts) else 0.0,
        "hits_ratio": ev.totals["hits_ratio"],
        "per_find_ratio": ev.totals["per_find_ratio"],
        "true_total": ev.devices_in_hazards,
        "withheld": result.summary.get("cancellation_withheld"),
        "sample_ha": terms["area_ha"] if terms else 0.0,
        "sample_share": terms["share_of_cancelled"] if terms else 0.0,
        "accept_max": terms["accept_max"] if terms else None,
        "found": verdict["found"] if verdict else None,
        "confirm": verdict["verdict"] if verdict else "–",
        "cancelled_before": before.decisions["share_area_cancelled"],
        "true_recall_before": before.decisions["true_recall"],
        "bound_before": float(cancel0["devices_bound"].sum()) if len(cancel0) else 0.0,
        "true_left_before": before.decisions["devices_in_cancelled_land"],
        "limit_cause": (result.summary.get("cancellation_limit") or {}).get("cause"),
        "map_alone": (result.summary.get("cancellation_limit") or {}).get("share_by_map_alone"),
        "alike_auc": (result.summary.get("representativeness") or {}).get("auc"),
        "rate_sigma_m": run.computer.coarse.rate_sigma_m if run.computer is not None else None,
        "extrapolated": bool(result.summary.get("extrapolated")),
        "warnings": " | ".join(run.warnings),
    }


def _spread(values: Sequence[float]) -> str:
    v = np.asarray([x for x in values if np.isfinite(x)], dtype=float)
    return f"{np.median(v):.2f} ({v.min():.2f}–{v.max():.2f})" if len(v) else "–"


def _counts(grid: Any, xy: np.ndarray) -> np.ndarray:
    """True devices per cell of ``grid``."""
    row, col = grid.cell_of(xy[:, 0], xy[:, 1])
    on = (row >= 0) & (row < grid.ny) & (col >= 0) & (col < grid.nx)
    out = np.zeros(grid.shape, dtype=np.float32)
    np.add.at(out, (row[on], col[on]), 1.0)
    return out


def run_each(
    work: Callable[[Any], dict[str, Any]],
    jobs: Sequence[Any],
    *,
    label: Callable[[Any], str],
    failed: Callable[[Any, str], dict[str, Any]],
) -> list[dict[str, Any]]:
    """``work(job)`` for each job in a fresh process ('spawn'), one after the other: two cores
    are shared, and each job's peak memory is its own. A job that fails is a row of the table
    (``failed(job, "Error: message")``), not the end."""
    ctx = multiprocessing.get_context("spawn")
    rows = []
    for job in jobs:
        t = time.perf_counter()
        with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
            try:
                row = pool.submit(work, job).result()
            except Exception as exc:
                row = failed(job, f"{type(exc).__name__}: {exc}")
        say(f"{label(job)}: {time.perf_counter() - t:.1f} s")
        rows.append(row)
    return rows


def run_worlds(jobs: Sequence[WorldJob]) -> list[dict[str, Any]]:
    """Each world in its own process (:func:`run_each`)."""
    return run_each(
        run_world,
        jobs,
        label=lambda job: job.label,
        failed=lambda job, error: {
            "seed": job.seed,
            "scale": job.scale,
            "searched": job.searched,
            "error": error,
        },
    )


# --- tables ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    fmt: Callable[[Any], str]
    meaning: str


def _pct(digits: int = 1) -> Callable[[Any], str]:
    return lambda v: "–" if v is None or v != v else f"{v:.{digits}%}"


def _num(spec: str) -> Callable[[Any], str]:
    return lambda v: "–" if v is None or v != v else format(v, spec)


def _text(v: Any) -> str:
    return "–" if v is None else str(v)


def print_table(title: str, columns: Sequence[Column], rows: Sequence[dict[str, Any]]) -> None:
    """A titled table: one line per column saying what it means, then right-aligned columns."""
    print(f"\n{title}")
    width = max(len(c.title) for c in columns)
    for c in columns:
        print(f"  {c.title:<{width}}  {c.meaning}")
    cells = [[c.fmt(r.get(c.key)) for c in columns] for r in rows]
    widths = [max([len(c.title)] + [len(line[i]) for line in cells]) for i, c in enumerate(columns)]
    print()
    print(" ".join(f"{c.title:>{w}}" for c, w in zip(columns, widths, strict=True)))
    for line in cells:
        print(" ".join(f"{v:>{w}}" for v, w in zip(line, widths, strict=True)))


def write_csv(path: Path, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore")
        out.writeheader()
        out.writerows(rows)
    say(f"wrote {path}")


DOCTRINE_COLUMNS = (
    Column("seed", "seed", _text, "the world's seed (never used while developing the engine)"),
    Column("scale", "scale", _text, "window of the world: small 20 × 20 km, district 60 × 60 km"),
    Column("uxo_factor", "UXO×", _num(".2f"), "battle UXO relative to the default world"),
    Column(
        "uxo_share", "UXO%", _pct(0), "UXO and abandoned ordnance among devices left in the ground"
    ),
    Column(
        "accurate_maps",
        "maps ok",
        _pct(0),
        "handed-over minefield maps that are accurate (default 25 %)",
    ),
    Column(
        "search_bias",
        "search×",
        _num(".2f"),
        "how strongly past search favoured towns and returns, × default",
    ),
    Column("incident_factor", "incid×", _num(".2f"), "civilian incidents recorded, × default rate"),
    Column("witness_error", "witness", _pct(0), "statements that are wrong (both ways)"),
)

WORLD_COLUMNS = (
    Column("seed", "seed", _text, "the world (doctrine above)"),
    Column("setup_s", "gen+imp s", _num(".1f"), "seconds to generate the scenario and import it"),
    Column("backtest_s", "bt s", _num(".1f"), "seconds for the backtest (0: not run)"),
    Column("map_s", "map s", _num(".1f"), "seconds for the risk map and the decisions"),
    Column(
        "peak_mb",
        "peak MB",
        _num(",.0f"),
        "peak resident memory of the world's process (with the scoring)",
    ),
    Column(
        "roc_auc", "AUC", _num(".3f"), "ROC-AUC of the map over hazard cells against true devices"
    ),
    Column("pr_auc", "PR-AUC", _num(".3f"), "PR-AUC of the same"),
    Column(
        "allowed",
        "allowed",
        _pct(),
        "hazard area releasable at 99 % true recall by the map's ranking",
    ),
    Column(
        "perfect", "perfect", _pct(), "the same with perfect knowledge (ranking by true devices)"
    ),
    Column("cancelled", "cancel", _pct(), "hazard area the decisions cancel"),
    Column("ratio", "c/allow", _num(".2f"), "cancelled ÷ allowed (goal ≥ 0.8)"),
    Column(
        "map_alone",
        "alone",
        _pct(),
        "hazard cells the map's own expectation would let the rule cancel, without the bound",
    ),
    Column(
        "limit_short",
        "stops",
        _text,
        "what stops the rule: 'errors' = the map's errors on held-out land at that risk, "
        "'expect' = the map's own expectation, '–' = nothing cancelled by the rule or all",
    ),
    Column(
        "true_recall",
        "recall",
        _pct(2),
        "true devices of the hazards NOT in cancelled land (target 99 %)",
    ),
    Column(
        "stated_left",
        "stated",
        _num(",.1f"),
        "devices the cancel parts say they leave (Σ expected_devices)",
    ),
    Column(
        "bound_left",
        "bound",
        _num(",.1f"),
        "upper bound the cancel parts state (Σ devices_bound; – none)",
    ),
    Column("true_left", "true", _num(",.0f"), "true devices in cancelled land"),
    Column(
        "stated_total", "exp tot", _num(",.0f"), "devices the map expects in the active hazards"
    ),
    Column("true_total", "true tot", _num(",.0f"), "true devices left in the active hazards"),
    Column(
        "total_ratio",
        "exp/true",
        _num(".2f"),
        "expected ÷ true devices in the active hazards (goal 0.67–1.5)",
    ),
    Column(
        "hits_ratio",
        "Σp/hits",
        _num(".2f"),
        "its first factor: cells the map expects to hold any device (Σ p) ÷ true such cells",
    ),
    Column(
        "per_find_ratio",
        "per find",
        _num(".2f"),
        "its second factor: devices per cell with a device, the map's (Σ λ ÷ Σ p) ÷ the truth's",
    ),
    Column(
        "alike_auc",
        "unlike",
        _num(".2f"),
        "ROC-AUC telling the active hazards from searched land by their evidence (0.5 alike)",
    ),
    Column(
        "rate_sigma_m",
        "rate σ",
        _num(".0f"),
        "width (m) of the local finding rate's kernel, chosen on held-out blocks of searched land",
    ),
    Column(
        "extrapolated_short",
        "says extrap.",
        _text,
        "the run warns that its figures for the active hazards are extrapolated",
    ),
    Column(
        "backtest_verdict",
        "backtest",
        _text,
        "the backtest's verdict on the map a year back (under: too low beyond chance, which "
        "withholds cancelling; –: not run)",
    ),
    Column(
        "withheld_short", "withheld", _text, "cancellation withheld by the engine (reason below)"
    ),
    Column(
        "sample_ha",
        "sample ha",
        _num(",.1f"),
        "confirmation sample the decisions drew over the cancelled land (ha)",
    ),
    Column("found_text", "found/max", _text, "devices the teams found there / most that pass"),
    Column(
        "confirm",
        "confirm",
        _text,
        "the sample's verdict: passed, or failed (the cancelled land goes to technical survey)",
    ),
    Column("cancelled_before", "cancel0", _pct(), "cancelled before the confirmation sample"),
    Column("true_recall_before", "recall0", _pct(2), "true recall before the sample"),
    Column("bound_before", "bound0", _num(",.1f"), "stated bound before the sample"),
    Column("true_left_before", "true0", _num(",.0f"), "true devices left before the sample"),
)


def report_worlds(rows: list[dict[str, Any]], out: Path | None) -> None:
    ok = [r for r in rows if "error" not in r]
    for r in ok:
        r["ratio"] = r["cancelled"] / r["allowed"] if r["allowed"] else float("nan")
        r["total_ratio"] = r["stated_total"] / r["true_total"] if r["true_total"] else float("nan")
        r["withheld_short"] = "yes" if r["withheld"] else "no"
        r["limit_short"] = {"held_out_errors": "errors", "expectation": "expect"}.get(
            r.get("limit_cause") or "", "–"
        )
        r["extrapolated_short"] = "yes" if r.get("extrapolated") else "no"
        r["found_text"] = "–" if r.get("found") is None else f"{r['found']:,}/{r['accept_max']:,}"
    searched = [r for r in ok if r["searched"]]
    print_table(
        "Part 1a — the worlds: doctrine and noise drawn from each seed", DOCTRINE_COLUMNS, searched
    )
    how = "; ".join(sorted({f"{r['model']} model, rule: {r['rule']}" for r in searched}))
    print_table(f"Part 1b — decisions against the truth ({how})", WORLD_COLUMNS, searched)
    for r in rows:
        if "error" in r:
            print(f"  world {r['seed']} ({r['scale']}) failed: {r['error']}")
    for r in searched:
        if r["withheld"]:
            print(f"  world {r['seed']}: cancellation withheld: {r['withheld']}")
    n = len(searched)
    if n:
        kept = sum(r["true_recall"] >= r["target"] - 1e-12 for r in searched)
        print(
            f"\npromise kept (true recall ≥ {searched[0]['target']:.0%}): {kept} of {n} worlds ({kept / n:.0%}; goal ≥ 95 %)"
        )
        bounded = [r for r in searched if r["bound_left"] is not None]
        if bounded:
            held = sum(r["true_left"] <= r["bound_left"] + 1e-9 for r in bounded)
            print(
                f"true devices left ≤ stated bound: {held} of {len(bounded)} worlds ({held / len(bounded):.0%}; goal ≥ 90 %)"
            )
        else:
            print(
                "true devices left ≤ stated bound: – (the decisions state no bound: no devices_bound column; goal ≥ 90 %)"
            )
        kept0 = sum(r["true_recall_before"] >= r["target"] - 1e-12 for r in searched)
        held0 = sum(r["true_left_before"] <= r["bound_before"] + 1e-9 for r in searched)
        failed = [r["seed"] for r in searched if r["confirm"] == "failed"]
        print(
            f"before the confirmation sample: promise kept in {kept0} of {n}, bound held in "
            f"{held0} of {n}; the sample failed in {len(failed)} ({', '.join(map(str, failed)) or 'none'}), "
            f"{np.mean([r['sample_share'] for r in searched]):.1%} of the cancelled land on average"
        )
        within = sum(0.67 <= r["total_ratio"] <= 1.5 for r in searched)
        print(
            f"expected ÷ true devices in the active hazards within 0.67–1.5: {within} of {n} worlds ({within / n:.0%})"
        )
        print(
            "  its two factors, median (min–max) over the worlds: cells with a device "
            f"{_spread([r['hits_ratio'] for r in searched])}, devices per such cell "
            f"{_spread([r['per_find_ratio'] for r in searched])}"
        )
        enough = sum(r["ratio"] >= 0.8 for r in searched)
        print(f"cancelled ≥ 80 % of allowed: {enough} of {n} worlds ({enough / n:.0%})")
        errs = sum(r.get("limit_cause") == "held_out_errors" for r in searched)
        print(
            f"what stops cancelling: the map's errors on held-out land in {errs} of {n} worlds, "
            f"its own expectation in {sum(r.get('limit_cause') == 'expectation' for r in searched)}"
        )
        print(
            f"mean: allowed {np.mean([r['allowed'] for r in searched]):.1%}, "
            f"perfect {np.mean([r['perfect'] for r in searched]):.1%}, "
            f"cancelled {np.mean([r['cancelled'] for r in searched]):.1%}, "
            f"true recall {np.mean([r['true_recall'] for r in searched]):.2%}"
        )
    for r in ok:
        if not r["searched"]:
            print(
                f"no searched land (world {r['seed']}, {r['scale']}, activities and findings dropped): "
                f"{r['cancelled_ha']:,.1f} ha cancelled (goal 0); reason: {r['withheld'] or 'none given'}"
            )
    if out is not None and rows:
        keys = list(dict.fromkeys(k for r in rows for k in r))
        write_csv(out / "decisions_worlds.csv", keys, rows)


# --- part 2: real outcomes, Antioquia --------------------------------------------------------


@dataclass(frozen=True)
class Cells:
    """Labelled cells of the RELand Antioquia set, in a metric CRS."""

    cell_id: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray
    mine: np.ndarray
    """1: a mine was found; 0: searched, none found."""
    crs: str
    side_m: float = 1000.0

    def __len__(self) -> int:
        return len(self.mine)

    @property
    def xy(self) -> np.ndarray:
        return np.column_stack([self.x, self.y])

    def take(self, index: np.ndarray) -> Cells:
        """The cells at ``index`` (same CRS and cell size)."""
        return replace(
            self,
            cell_id=self.cell_id[index],
            lon=self.lon[index],
            lat=self.lat[index],
            x=self.x[index],
            y=self.y[index],
            mine=self.mine[index],
        )


def load_cells(path: Path) -> Cells:
    """The labelled cells (outcome 1 or 0; unknown cells, −1, are left out)."""
    import pandas as pd
    import pyproj

    from landrelease.store.crs import STORED_CRS, metric_crs_rule

    df = pd.read_csv(path)
    df = df[df["outcome"].isin([0, 1])].reset_index(drop=True)
    lon, lat = df["lon"].to_numpy(float), df["lat"].to_numpy(float)
    crs = metric_crs_rule(None, (lon.min(), lat.min(), lon.max(), lat.max()))
    assert crs is not None
    x, y = pyproj.Transformer.from_crs(STORED_CRS, crs, always_xy=True).transform(lon, lat)
    return Cells(
        df["cell_id"].to_numpy(),
        lon,
        lat,
        np.asarray(x),
        np.asarray(y),
        df["outcome"].to_numpy(np.int8),
        crs,
    )


def spatial_folds(
    cells: Cells, *, block_m: float, folds: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index pairs: whole square blocks held out together, blocks shuffled by seed."""
    from sklearn.model_selection import GroupKFold

    bx, by = (
        np.floor(cells.x / block_m).astype(np.int64),
        np.floor(cells.y / block_m).astype(np.int64),
    )
    block = np.unique(np.column_stack([bx, by]), axis=0, return_inverse=True)[1].ravel()
    split = GroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(split.split(cells.xy, cells.mine, block))


def default_cells() -> Path:
    """The RELand cells beside the checkout: ``../shared`` of the repository or of a parent
    (a git worktree lies deeper)."""
    here = Path(__file__).resolve().parents[1]
    for folder in here.parents:
        if (folder / RELAND_CELLS).exists():
            return folder / RELAND_CELLS
    return here.parent / RELAND_CELLS


def _nearest(tree_xy: np.ndarray, xy: np.ndarray, *, skip_self: bool = False) -> np.ndarray:
    """Distance (m) from each point to the nearest of ``tree_xy``; with ``skip_self`` (every
    point is one of ``tree_xy``) to the nearest other one."""
    from scipy.spatial import cKDTree

    k = 2 if skip_self else 1
    if len(tree_xy) < k:
        return np.full(len(xy), np.inf)
    d, _ = cKDTree(tree_xy).query(xy, k=k)
    return np.asarray(d).reshape(len(xy), k)[:, -1]


def nearest_outcome(cells: Cells, train: np.ndarray, test: np.ndarray) -> np.ndarray:
    """d(nearest training clean cell) − d(nearest training mine cell)."""
    xy, m = cells.xy, cells.mine[train] == 1
    return _nearest(xy[train][~m], xy[test]) - _nearest(xy[train][m], xy[test])


def nearest_mine(cells: Cells, train: np.ndarray, test: np.ndarray) -> np.ndarray:
    """−d(nearest training mine cell)."""
    return -_nearest(cells.xy[train][cells.mine[train] == 1], cells.xy[test])


def logistic_distance(cells: Cells, train: np.ndarray, test: np.ndarray) -> np.ndarray:
    """Logistic regression on log1p of the distances to the nearest mine and clean cell, fitted
    with each training cell's distances to the *other* training cells."""
    from sklearn.linear_model import LogisticRegression

    xy, y = cells.xy, cells.mine
    m = y[train] == 1
    mines, clean = xy[train][m], xy[train][~m]

    def design(points: np.ndarray, own: np.ndarray | None) -> np.ndarray:
        """log1p distances to the nearest mine and clean cell; ``own``: the points are the
        training cells (True: mine), each measured to the others of its class."""
        d_mine, d_clean = _nearest(mines, points), _nearest(clean, points)
        if own is not None:
            d_mine[own] = _nearest(mines, points[own], skip_self=True)
            d_clean[~own] = _nearest(clean, points[~own], skip_self=True)
        return np.log1p(np.column_stack([d_mine, d_clean]))

    model = LogisticRegression(max_iter=1000).fit(design(xy[train], m), y[train])
    return np.asarray(model.predict_proba(design(xy[test], None))[:, 1])


KRIGING_RANGES_M = (2000.0, 4000.0, 8000.0)
"""Candidate ranges of the kriging rule's exponential covariance (m)."""
KRIGING_NUGGETS = (0.3, 1.0)
"""Candidate nuggets of the kriging rule, as a share of the covariance's sill."""


def _covariance(a: np.ndarray, b: np.ndarray, range_m: float) -> np.ndarray:
    from scipy.spatial.distance import cdist

    return np.exp(-cdist(a, b) / range_m)


def _left_out(q: np.ndarray, alpha: np.ndarray, y: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Kriging of cells ``b`` from all the others, in closed form: y_B − Q_BB⁻¹ (Q r)_B, with
    ``q`` the inverse covariance of all the cells and ``alpha`` = Q r (r: outcomes less their
    mean) — the same as refitting without ``b``."""
    return y[b] - np.linalg.solve(q[np.ix_(b, b)], alpha[b])


def kriging(cells: Cells, train: np.ndarray, test: np.ndarray) -> np.ndarray:
    """Simple kriging of the training cells' 0/1 outcomes about their mean: exponential
    covariance exp(−d ÷ range) plus a nugget; unlike a kernel average, clustered training
    cells share their weight. Range and nugget are chosen on the training cells alone: their
    own 4 km blocks dealt into 5 folds (seed 0), each fold predicted from the others in closed
    form (:func:`_left_out`: one factorisation per candidate), the best mean held-out ROC-AUC
    wins."""
    from scipy.linalg import cho_factor, cho_solve
    from scipy.spatial.distance import cdist
    from sklearn.metrics import roc_auc_score

    inner = cells.take(train)
    xy, y = inner.xy, inner.mine.astype(float)
    r = y - y.mean()
    folds = [b for _, b in spatial_folds(inner, block_m=4000.0, folds=5, seed=0)]
    distance = cdist(xy, xy)
    scores: dict[tuple[float, float], tuple[float, np.ndarray]] = {}
    for range_m in KRIGING_RANGES_M:
        base = np.exp(-distance / range_m)
        for nugget in KRIGING_NUGGETS:
            cov = base + nugget * np.eye(len(y))
            q = cho_solve(cho_factor(cov), np.eye(len(y)))
            alpha = q @ r
            aucs = [
                roc_auc_score(y[b], _left_out(q, alpha, y, b))
                for b in folds
                if 0 < y[b].sum() < len(b)
            ]
            scores[range_m, nugget] = (float(np.mean(aucs)) if aucs else -1.0, alpha)
    best = max(scores, key=lambda k: scores[k][0])  # the first candidate on a tie
    return np.asarray(y.mean() + _covariance(cells.xy[test], xy, best[0]) @ scores[best][1])


def subcell_offsets(side_m: float, cell_m: float) -> np.ndarray:
    """Where the grid cells that a labelled square of ``side_m`` covers lie, from its centre along
    each axis (m): the square's side cut into the nearest whole number of grid cells."""
    k = max(1, round(side_m / cell_m))
    return np.asarray((np.arange(k) + 0.5) * (side_m / k) - side_m / 2)


def subcell_points(
    x: np.ndarray, y: np.ndarray, offsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The grid-cell centres of each square centred at (x, y): square by square, k² each."""
    dx, dy = (a.ravel() for a in np.meshgrid(offsets, offsets))
    return (x[:, None] + dx).ravel(), (y[:, None] + dy).ravel()


def any_device(p: np.ndarray, squares: int) -> np.ndarray:
    """P(any device) in each square from its grid cells' probabilities (in :func:`subcell_points`'
    order): 1 − Π(1 − p)."""
    return np.asarray(1 - np.prod(1 - np.asarray(p).reshape(squares, -1), axis=1))


class EngineFold:
    """The engine fed one fold's training cells as searched land, through its own public path:
    an evidence package → a workspace → ``evidence_from_workspace`` → ``TileComputer`` and
    ``training_set`` on a grid, as ``compute_risk`` builds them; held-out cells are read with
    ``point_features`` at the centres of the grid cells each covers, and scored by the chance
    that any of those holds a device, 1 − Π(1 − p) — the engine's own statement for an area, as
    for a hazard — since a cell's label says whether a mine was found anywhere in its square
    (read at its centre alone, seeds 0–2 score 0.836 instead of 0.842). Features the engine
    gains are picked up here unchanged."""

    def __init__(self, cells: Cells, train: np.ndarray, *, cell_m: float, folder: Path) -> None:
        from landrelease import settings
        from landrelease.evidence import Grid, TileComputer, coarse_layers, evidence_from_workspace
        from landrelease.evidence.features import halo_cells
        from landrelease.io import import_package
        from landrelease.risk.training import training_set
        from landrelease.store import Workspace

        package = (
            folder / "package"
        )  # the workspace beside it, not in it: a package holds layers only
        package.mkdir(parents=True, exist_ok=True)
        _write_package(cells, train, package)
        ws = Workspace.create(str(folder / "workspace.gpkg"))
        report = import_package(ws, package, repair=True)
        if not report.ok:
            raise RuntimeError(f"the fold's package did not import: {report.issues[:3]}")
        evidence = evidence_from_workspace(ws)
        ws.close()
        if evidence.crs != cells.crs:
            raise RuntimeError(
                f"the workspace measures in {evidence.crs}, the cells in {cells.crs}"
            )
        near_m = float(settings.get("risk_near_m"))
        minx, miny, maxx, maxy = evidence.bounds
        pad = 2 * cell_m
        grid = Grid.covering(
            (minx - pad, miny - pad, maxx + pad, maxy + pad),
            crs=evidence.crs,
            cell_m=cell_m,
            max_cells=int(settings.get("risk_max_cells")),
        )
        self.computer = TileComputer(
            evidence, grid, coarse_layers(evidence, grid, near_m=near_m), near_m=near_m
        )
        tiles = list(
            grid.tiles(
                size=int(settings.get("risk_tile_cells")), halo=halo_cells(grid, near_m=near_m)
            )
        )
        self.training = training_set(
            evidence,
            grid,
            self.computer,
            tiles=tiles,
            block_m=float(settings.get("risk_block_m")),
            max_negatives=int(settings.get("risk_max_training_cells")),
            seed=int(settings.get("risk_seed")),
        )
        self.seed = int(settings.get("risk_seed"))
        self.prior = float(settings.get("risk_prior_contamination"))
        self.offsets = subcell_offsets(cells.side_m, cell_m)

    def predict(self, model: str, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """P(any device) in the labelled cells centred at (x, y): 1 − Π(1 − p) over the grid
        cells each covers."""
        from landrelease.evidence.features import point_features
        from landrelease.risk.models import make_model

        ts = self.training
        fitted = make_model(model, seed=self.seed, prior=self.prior).fit(
            ts.X, ts.y, sample_weight=ts.weight
        )
        px, py = subcell_points(x, y, self.offsets)
        p = fitted.predict_proba(point_features(self.computer, px, py))[:, 1]
        return any_device(p, len(x))

    def alike(self, x: np.ndarray, y: np.ndarray) -> Any:
        """How unlike the training cells the cells at (x, y) are, by the engine's own measure of
        the active hazards against the searched land (``risk.shift.representativeness``)."""
        from landrelease.evidence.features import point_features
        from landrelease.risk.shift import evidence_pieces, representativeness

        ts = self.training
        return representativeness(
            evidence_pieces(ts.X),
            ts.cell_weight,
            evidence_pieces(point_features(self.computer, x, y)),
            seed=self.seed,
        )


def _write_package(cells: Cells, train: np.ndarray, folder: Path) -> None:
    """An evidence package of the training cells: one suspected area over every cell, a
    technical-survey activity per training cell (its square), a finding at each mine cell's centre."""
    import geopandas as gpd
    import shapely

    from landrelease.domain import layer_by_name
    from landrelease.io import write_geojson_layer
    from landrelease.store.crs import STORED_CRS, unproject

    folder.mkdir(parents=True, exist_ok=True)
    half = cells.side_m / 2
    hull = shapely.convex_hull(shapely.multipoints(cells.xy)).buffer(2 * cells.side_m)
    day = "2019-12-31"
    hazards = gpd.GeoDataFrame(
        {
            "hazard_id": ["HZ-ANTIOQUIA"],
            "classification": ["SHA"],
            "status": ["active"],
            "reported": [day],
        },
        geometry=unproject([hull], cells.crs),
        crs=STORED_CRS,
    )
    ids = [f"TS-{int(c)}" for c in cells.cell_id[train]]
    x, y, mine = cells.x[train], cells.y[train], cells.mine[train] == 1
    squares = shapely.box(x - half, y - half, x + half, y + half)
    activities = gpd.GeoDataFrame(
        {
            "activity_id": ids,
            "type": "TS",
            "hazard_id": "HZ-ANTIOQUIA",
            "start": day,
            "end": day,
            "outcome": np.where(mine, "confirmed", "reduced"),
            # the study's label is the cell's outcome: searched in full, not sampled in lanes
            "searched_share": 1.0,
            "status": "approved",
        },
        geometry=unproject(squares, cells.crs),
        crs=STORED_CRS,
    )
    found = np.flatnonzero(mine)
    findings = gpd.GeoDataFrame(
        {
            "finding_id": [f"FD-{int(c)}" for c in cells.cell_id[train][found]],
            "device": "AP",
            "date": day,
            "activity_id": [ids[i] for i in found],
        },
        geometry=unproject(shapely.points(x[found], y[found]), cells.crs),
        crs=STORED_CRS,
    )
    for name, frame in (("hazards", hazards), ("activities", activities), ("findings", findings)):
        # records as the workspace holds them: the layer's fields, and no extra properties
        write_geojson_layer(
            layer_by_name(name), frame.assign(extra=None), folder / f"{name}.geojson"
        )


RULES: dict[str, Callable[[Cells, np.ndarray, np.ndarray], np.ndarray]] = {
    "nearest-outcome rule": nearest_outcome,
    "nearest-mine": nearest_mine,
    "logistic-distance": logistic_distance,
    "kriging": kriging,
}

ANTIOQUIA_COLUMNS = (
    Column(
        "method",
        "method",
        _text,
        "how held-out cells are ranked (engine:<model>: the engine fed the training cells)",
    ),
    Column(
        "auc",
        "ROC-AUC",
        _text,
        "mean over the folds (min–max) of ROC-AUC on held-out labelled cells",
    ),
    Column("pr", "PR-AUC", _text, "the same for PR-AUC (average precision)"),
    Column(
        "rel",
        "rel@99",
        _text,
        "share of held-out labelled cells releasable keeping 99 % of the mine cells",
    ),
    Column(
        "seconds",
        "sec",
        _num(".1f"),
        "seconds over all folds (engine: includes building its evidence)",
    ),
)


def run_antioquia(
    path: Path,
    *,
    engine_models: Sequence[str],
    rules: Sequence[str] = tuple(RULES),
    seeds: Sequence[int],
    folds: int,
    block_m: float,
    engine_cell_m: float,
    out: Path | None,
) -> None:
    from landrelease.risk.metrics import score

    cells = load_cells(path)
    say(
        f"Antioquia: {len(cells):,} labelled cells ({int(cells.mine.sum())} with mines), {cells.crs}"
    )
    unknown = set(rules) - set(RULES)
    if unknown:
        raise SystemExit(f"unknown rules {sorted(unknown)}; choose among {list(RULES)}")
    methods = [*rules, *(f"engine:{m}" for m in engine_models)]
    fold_rows: list[dict[str, Any]] = []
    alikes: list[Any] = []
    seconds = dict.fromkeys(methods, 0.0)
    with tempfile.TemporaryDirectory(prefix="decisions-bench-antioquia-") as tmp:
        for seed in seeds:
            for k, (train, test) in enumerate(
                spatial_folds(cells, block_m=block_m, folds=folds, seed=seed)
            ):
                say(
                    f"Antioquia seed {seed} fold {k + 1}/{folds}: {len(train):,} training, {len(test):,} held out"
                )
                preds: dict[str, np.ndarray] = {}
                for name in rules:
                    t = time.perf_counter()
                    preds[name] = RULES[name](cells, train, test)
                    seconds[name] += time.perf_counter() - t
                if engine_models:
                    t = time.perf_counter()
                    fold_dir = Path(tmp) / f"s{seed}-f{k}"
                    engine = EngineFold(cells, train, cell_m=engine_cell_m, folder=fold_dir)
                    shutil.rmtree(fold_dir, ignore_errors=True)
                    built = time.perf_counter() - t
                    alike = engine.alike(cells.x[test], cells.y[test])
                    if alike is not None:
                        alikes.append(alike)
                    for m in engine_models:
                        t = time.perf_counter()
                        preds[f"engine:{m}"] = engine.predict(m, cells.x[test], cells.y[test])
                        seconds[f"engine:{m}"] += built + time.perf_counter() - t
                for name, p in preds.items():
                    s = score(p, cells.mine[test].astype(np.int8))
                    fold_rows.append(
                        {
                            "method": name,
                            "seed": seed,
                            "fold": k,
                            "held_out": len(test),
                            "mines": int(cells.mine[test].sum()),
                            "roc_auc": s.roc_auc,
                            "pr_auc": s.pr_auc,
                            "released_at_99": s.released_at_99,
                        }
                    )
    summary: list[dict[str, Any]] = []
    for name in methods:
        of = [r for r in fold_rows if r["method"] == name]

        def spread(key: str, rows: list[dict[str, Any]] = of, pct: bool = False) -> str:
            v = np.array([r[key] for r in rows], float)
            f = (lambda a: f"{a:.1%}") if pct else (lambda a: f"{a:.3f}")
            return f"{f(np.nanmean(v))} ({f(np.nanmin(v))}–{f(np.nanmax(v))})"

        summary.append(
            {
                "method": name,
                "auc": spread("roc_auc"),
                "pr": spread("pr_auc"),
                "rel": spread("released_at_99", pct=True),
                "seconds": seconds[name],
                "roc_auc_mean": float(np.nanmean([r["roc_auc"] for r in of])),
                "pr_auc_mean": float(np.nanmean([r["pr_auc"] for r in of])),
                "released_at_99_mean": float(np.nanmean([r["released_at_99"] for r in of])),
            }
        )
    print_table(
        f"Part 2 — real outcomes, Antioquia: {len(cells):,} labelled 1 km cells "
        f"({cells.mine.mean():.1%} with a mine: PR-AUC of a random ranking), "
        f"{block_m / 1000:g} km blocks, {folds} folds × {len(seeds)} seeds "
        f"(engine on a {engine_cell_m:g} m grid)",
        ANTIOQUIA_COLUMNS,
        summary,
    )
    best = max(summary, key=lambda r: r["roc_auc_mean"])
    print(
        "\nROC-AUC ≥ 0.85 (goal): "
        + ", ".join(
            f"{r['method']} {'yes' if r['roc_auc_mean'] >= 0.85 else 'no'} ({r['roc_auc_mean']:.3f})"
            for r in summary
        )
    )
    print(f"best: {best['method']}")
    if alikes:
        auc = np.array([a.auc for a in alikes])
        unseen = np.array([a.unseen_share for a in alikes])
        print(
            "held-out cells against the training cells, by the engine's own measure of the active "
            f"hazards against the searched land: told apart at ROC-AUC {auc.mean():.2f} "
            f"({auc.min():.2f}–{auc.max():.2f}; 0.5 alike, the engine warns from 0.9), "
            f"{unseen.mean():.0%} ({unseen.min():.0%}–{unseen.max():.0%}) beyond 99 % of the "
            f"training cells; {sum(a.unlike for a in alikes)} of {len(alikes)} folds as unlike "
            "as the engine warns of (the generated worlds' hazards: column 'unlike' of part 1)"
        )
    print(f"credit: {RELAND_CREDIT}")
    if out is not None:
        write_csv(out / "decisions_antioquia_folds.csv", list(fold_rows[0]), fold_rows)
        write_csv(
            out / "decisions_antioquia.csv",
            [
                "method",
                "roc_auc_mean",
                "pr_auc_mean",
                "released_at_99_mean",
                "auc",
                "pr",
                "rel",
                "seconds",
            ],
            summary,
        )


# --- the command -----------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--worlds", type=int, default=10, help="generated worlds at --scale (seeds 301, 302, …)"
    )
    ap.add_argument("--scale", default="small", choices=["small", "district"])
    ap.add_argument(
        "--district-worlds", type=int, default=0, help="district worlds besides (seeds 401, 402, …)"
    )
    ap.add_argument(
        "--seeds", type=int, nargs="+", help="explicit seeds at --scale (overrides --worlds)"
    )
    ap.add_argument(
        "--model", help="risk model of the worlds' maps (default: the setting risk_model)"
    )
    ap.add_argument(
        "--cell",
        type=float,
        help="cell size of the worlds' maps, m (default: the setting risk_cell_m)",
    )
    ap.add_argument(
        "--no-backtest",
        action="store_true",
        help="decide without running the backtest first (the user's path runs it)",
    )
    ap.add_argument("--skip-worlds", action="store_true")
    ap.add_argument("--skip-antioquia", action="store_true")
    ap.add_argument(
        "--cells", type=Path, default=default_cells(), help="RELand Antioquia cells.csv"
    )
    ap.add_argument("--engine-models", nargs="*", default=list(ENGINE_MODELS))
    ap.add_argument(
        "--rules",
        nargs="*",
        default=list(RULES),
        help="reference rules to run beside the engine (the kriging rule takes about 35 s a fold)",
    )
    ap.add_argument(
        "--engine-cell", type=float, default=250.0, help="the engine's grid in Antioquia, m"
    )
    ap.add_argument("--cv-seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--out", type=Path, help="also write the tables as CSV into this folder")
    args = ap.parse_args()

    started = time.perf_counter()
    if not args.skip_worlds:
        seeds = args.seeds or [FIRST_SEED + i for i in range(args.worlds)]
        check = not args.no_backtest
        jobs = [WorldJob(s, args.scale, args.model, args.cell, backtest=check) for s in seeds]
        jobs += [
            WorldJob(FIRST_DISTRICT_SEED + i, "district", args.model, args.cell, backtest=check)
            for i in range(args.district_worlds)
        ]
        if jobs:
            jobs.append(replace(jobs[0], searched=False))
        report_worlds(run_worlds(jobs), args.out)
    if not args.skip_antioquia:
        run_antioquia(
            args.cells,
            engine_models=args.engine_models,
            rules=args.rules,
            seeds=args.cv_seeds,
            folds=5,
            block_m=4000.0,
            engine_cell_m=args.engine_cell,
            out=args.out,
        )
    print(f"\n{time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
