"""`python -m runner.cli`: the same as the `moose` console script."""

from runner.cli import main

main()
