"""``python -m landrelease.cli`` runs the command line, like ``landrelease``."""

from landrelease.cli import main

main()
