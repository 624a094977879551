"""How results look in a terminal (Rich): tables, problem lists, progress bars.

Only the command line uses these; nothing below :mod:`landrelease.cli` imports them.
One module per theme, like the commands: ``terminal`` (the consoles, progress bars),
``workspace_data``, ``land_release``, ``operations``, ``publishing``, ``plans``, ``demo``.
"""
