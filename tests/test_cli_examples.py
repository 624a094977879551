"""Every command's --help ends with worked examples that the real parser accepts as written."""

from __future__ import annotations

import shlex

import pytest
import typer
import typer.main
from typer.core import TyperGroup
from typer.testing import CliRunner

from landrelease.cli import app
from landrelease.cli.examples import EXAMPLES, commands

SHELL = {"<", ">", "|", "&&", ";"}
"""Where a shell takes over from the command (a redirection, a pipe)."""
NARROW = 80
"""The narrowest terminal the examples fit in unbroken."""


def all_commands() -> dict[str, typer.core.TyperCommand | TyperGroup]:
    found: dict[str, typer.core.TyperCommand | TyperGroup] = {}

    def walk(group: TyperGroup, path: str) -> None:
        for name, cmd in group.commands.items():
            found[f"{path} {name}".strip()] = cmd
            if isinstance(cmd, TyperGroup):
                walk(cmd, f"{path} {name}")

    walk(typer.main.get_group(app), "")
    return found


def parse(line: str) -> tuple[str, typer.Context]:
    """Parse an example's command line as the program would, without running it: the command
    it names and the context holding every parameter's converted value."""
    words = shlex.split(line)
    assert words[0] == "landrelease", line
    args = words[1 : next((i for i, w in enumerate(words) if w in SHELL), len(words))]
    root = typer.main.get_group(app)
    ctx = root.make_context("landrelease", list(args))
    cmd: typer.core.TyperCommand | TyperGroup = root
    path: list[str] = []
    while isinstance(cmd, TyperGroup):
        rest = [*ctx._protected_args, *ctx.args]
        name, sub, rest = cmd.resolve_command(ctx, rest)
        assert sub is not None and name is not None, line
        path.append(name)
        cmd, ctx = sub, sub.make_context(name, rest, parent=ctx)
    assert not ctx.args, (line, ctx.args)
    return " ".join(path), ctx


def test_every_command_and_group_has_examples_and_none_is_left_over() -> None:
    assert set(EXAMPLES) == set(all_commands())


LEAVES = {path for path, cmd in all_commands().items() if not isinstance(cmd, TyperGroup)}


@pytest.mark.parametrize("path", sorted(EXAMPLES))
def test_each_example_parses_with_the_real_options(path: str) -> None:
    named = [parse(line)[0] for line in commands(EXAMPLES[path])]
    assert named
    if path in LEAVES:  # a command's examples show that command (maybe beside the next step)
        assert path in named, (path, named)


def test_an_example_with_a_renamed_option_is_refused() -> None:
    with pytest.raises(typer.TyperException, match="No such option"):
        parse("landrelease report donor -w ws.gpkg --start 2024-01-01 --to 2024-12-31")
    with pytest.raises(typer.TyperException, match="Missing parameter"):
        parse("landrelease report donor -w ws.gpkg --from 2024-01-01")
    path, ctx = parse("landrelease qa plan -a ACT-0412 --confidence 0.9")
    assert path == "qa plan" and ctx.params["confidence"] == 0.9


def test_every_help_ends_with_its_examples_each_unbroken_in_a_narrow_terminal() -> None:
    runner = CliRunner()
    for path in all_commands():
        result = runner.invoke(app, [*path.split(), "--help"], terminal_width=NARROW)
        assert result.exit_code == 0, result.output
        shown = [line.strip() for line in result.output.splitlines()]
        assert "Examples:" in shown, path
        missing = [line for line in EXAMPLES[path] if line.strip() not in shown]
        assert not missing, (path, missing, result.output)
