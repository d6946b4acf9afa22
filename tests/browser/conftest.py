"""Fixtures that start Chromium once per test module; skipped only where it cannot be had."""

from __future__ import annotations

import pytest

from .lab import CHROMIUM, CHROMIUM_ARGS, chromium_available


@pytest.fixture(scope="module")
def browser():
    if not chromium_available():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium); "
                    "browser checks need it")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (python) is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
