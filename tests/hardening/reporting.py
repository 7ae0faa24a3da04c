"""Figures the hardening tests print at the end of the run (endpoints checked,
cases tried), so they show in `make test` output with or without -s."""

from __future__ import annotations

import pytest

FIGURES = pytest.StashKey[list[str]]()


def report_figure(config: pytest.Config, line: str) -> None:
    config.stash.setdefault(FIGURES, []).append(line)
