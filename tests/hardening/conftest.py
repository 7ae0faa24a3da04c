"""Shared by the hardening tests: the end-of-run summary of their figures."""

from __future__ import annotations

import pytest

from tests.hardening.reporting import FIGURES


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    figures = config.stash.get(FIGURES, [])
    if figures:
        terminalreporter.section("hardening figures")
        for line in figures:
            terminalreporter.write_line(line)
