"""Shared fixtures: a fixed clock and the shipped catalogue."""

from __future__ import annotations

import pytest

from hitl_console.config import Settings
from hitl_console.core.catalogue import Catalogue, load_catalogue
from hitl_console.core.clock import SimClock
from hitl_console.core.engine import Floor

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture
def clock() -> SimClock:
    return SimClock(START)


@pytest.fixture
def floor(catalogue: Catalogue, clock: SimClock) -> Floor:
    return Floor(catalogue, clock, Settings().thresholds)
