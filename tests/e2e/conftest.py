"""Browser tests of the sandbox: Playwright (sync API) driving Debian's Chromium, /usr/bin/chromium.

Each test gets `promisebot demo`'s Sandbox on a free port with its own SQLite database, and a
fresh Chromium profile. No browser is ever downloaded: `make test` installs Debian's chromium
package first (scripts/ensure-chromium). Without Chromium or Playwright the tests are skipped,
except under CI=true, where they fail and say what is missing.

A failing test leaves a screenshot of the page in tmp/artifacts/e2e/ (PROMISEBOT_ARTIFACTS
overrides the folder); the path is printed with the failure.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.platform.settings import Settings
from bot.sandbox.server import Sandbox

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("PROMISEBOT_ARTIFACTS") or REPO / "tmp" / "artifacts") / "e2e"
TIMEOUT_MS = 15_000
try:
    from playwright.sync_api import expect
except ImportError:  # the `playwright` fixture says what is missing
    pass
else:
    # Playwright's assertions wait 5 s unless told otherwise, whatever the page's own timeout
    # is; a digest with its charts can take longer than that to draw on a loaded machine.
    expect.set_options(timeout=TIMEOUT_MS)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true needs the browser tests to run: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(
            f"{CHROMIUM} is missing: run scripts/ensure-chromium (as root) or "
            "`apt-get install chromium`"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is missing: pip install -e '.[dev]'")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """`promisebot demo` in-process: a temp SQLite database, prepared and seeded, on a free port."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'sandbox.db'}")
    with Sandbox(settings, port=0) as running:
        yield running


@pytest.fixture
def page(playwright: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page in Chromium with a fresh profile; a failing test leaves a screenshot of it."""
    with tempfile.TemporaryDirectory(prefix="promisebot-chromium-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1400, "height": 900},
        )
        try:
            context.set_default_timeout(TIMEOUT_MS)
            page = context.pages[0] if context.pages else context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            request.node.page_errors = errors
            yield page
            assert errors == [], f"the page threw: {errors}"
        finally:
            context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    page = getattr(item, "funcargs", {}).get("page")
    if report.when == "call" and report.failed and page is not None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        ignore = ARTIFACTS.parents[1] / ".gitignore"
        if ARTIFACTS.parents[1] == REPO / "tmp" and not ignore.exists():
            ignore.write_text("*\n")  # screenshots are not for committing
        path = ARTIFACTS / (re.sub(r"[^\w.-]+", "_", item.name) + ".png")
        try:
            page.screenshot(path=str(path), full_page=True)
            report.sections.append(("e2e screenshot", f"saved {path}"))
            print(f"\ne2e screenshot: {path}")
        except Exception as error:  # a dead page must not hide the test's own failure
            report.sections.append(("e2e screenshot", f"could not take one: {error}"))
    return report
