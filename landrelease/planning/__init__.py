"""Planning: priorities for return, the operations plan, and the forecast with uncertainty.

The modules follow the work of a planner:

* ``tasks`` — the work left per hazard, from the survey engine's decisions
  (or a documented fallback);
* ``assets`` — teams, productivity, cost, and where each kind can work;
* ``criteria`` — what releasing a hazard gives back: people able to return,
  infrastructure, farmland, casualties prevented;
* ``priorities`` — transparent multi-criteria scores and their sensitivity;
* ``model`` — the plan as arrays; ``schedule`` — month-by-month list
  scheduling and what it delivers; ``orders`` — priority orders (greedy and
  simple rules); ``bound`` — the LP relaxation solved with HiGHS;
* ``pace`` — the pace so far, from the workspace's history;
* ``forecast`` — Monte Carlo over productivity, contamination, funding and
  assets, per scenario (``scenarios.toml``);
* ``inputs``, ``basis`` — what the jobs read through the workspace's read
  model (one view shared by a pipeline run reads each layer once) and share:
  tasks, what blocks return, the criteria;
* ``ranking``, ``operations``, ``forecasting`` — the jobs :func:`prioritise`,
  :func:`plan` and :func:`forecast`; ``plan_tables`` — the plan as tables;
  ``results`` — what the jobs return;
* ``store``, ``charts`` — the workspace tables and PNG charts (the command
  line shows the results).
"""

from landrelease.planning.common import InfeasiblePlanError, PlanningWarning
from landrelease.planning.forecasting import forecast
from landrelease.planning.operations import plan
from landrelease.planning.priorities import Weights
from landrelease.planning.ranking import prioritise
from landrelease.planning.results import ForecastResult, PlanResult, PriorityResult
from landrelease.planning.store import read_readiness
from landrelease.planning.tasks import tasks_from_hazards, tasks_from_parts

__all__ = [
    "ForecastResult",
    "InfeasiblePlanError",
    "PlanResult",
    "PlanningWarning",
    "PriorityResult",
    "Weights",
    "forecast",
    "plan",
    "prioritise",
    "read_readiness",
    "tasks_from_hazards",
    "tasks_from_parts",
]
