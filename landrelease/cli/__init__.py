"""The ``landrelease`` command line: parses arguments and calls the package. No logic lives here.

Exit codes: 0 done, 1 the data broke rules, 2 the command was used wrongly.

The commands live in modules by what the user does: ``workspace_cmds`` (init, import,
validate, export, status, backup, restore, settings, scenario, db), ``field_data`` (forms,
template), ``programme`` (profile), ``demo``, ``land_release`` (risk, survey,
evaluate), ``plans`` (prioritise, plan, forecast), ``serving`` (serve, user), ``operations``
(activity, record, qa) and ``publishing`` (report); ``common`` holds the shared options and
error handling, ``examples`` the worked examples each --help ends with, ``display`` how
results look in a terminal. Jobs of several steps come from
:mod:`landrelease.pipeline`. The list below is the order ``landrelease --help`` shows.
"""

from __future__ import annotations

from landrelease.cli import (
    demo,
    field_data,
    land_release,
    operations,
    plans,
    programme,
    publishing,
    serving,
    workspace_cmds,
)
from landrelease.cli.common import app, flowing_help
from landrelease.cli.examples import add_examples

for command, name in (
    (workspace_cmds.init, "init"),
    (workspace_cmds.import_, "import"),
    (workspace_cmds.validate, "validate"),
    (workspace_cmds.export, "export"),
    (workspace_cmds.status, "status"),
    (workspace_cmds.backup, "backup"),
    (workspace_cmds.restore, "restore"),
    (workspace_cmds.list_settings, "settings"),
    (workspace_cmds.scenario, "scenario"),
    (field_data.forms, "forms"),
    (field_data.template, "template"),
    (demo.demo, "demo"),
    (land_release.risk, "risk"),
    (land_release.survey, "survey"),
    (land_release.confirm, "confirm"),
    (land_release.evaluate, "evaluate"),
    (land_release.backtest, "backtest"),
    (plans.prioritise, "prioritise"),
    (plans.plan, "plan"),
    (plans.forecast, "forecast"),
    (serving.serve, "serve"),
):
    app.command(name)(command)
for group, name in (
    (operations.activity_app, "activity"),
    (operations.record_app, "record"),
    (operations.qa_app, "qa"),
    (publishing.report_app, "report"),
    (serving.user_app, "user"),
    (workspace_cmds.db_app, "db"),
    (programme.profile_app, "profile"),
):
    app.add_typer(group, name=name)
flowing_help(app)
add_examples(app)


def main() -> None:
    app()


__all__ = ["app", "main"]
