"""A real browser: Playwright drives Debian's chromium against `streamlit run` on 127.0.0.1.
It loads the app, changes a parameter, sees the exit month change, and takes a screenshot of
every page into docs/screenshots/. Skipped, with the reason, where chromium is missing."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import engine

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="no chromium on this machine (apt-get install chromium; .ci/run installs it)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = os.environ | {"SUBSIDY_EXIT_WORKSPACE": str(tmp_path_factory.mktemp("workspace"))}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
             "--server.headless", "true", "--server.address", "127.0.0.1",
             "--server.port", str(port), "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                break
        except OSError:
            time.sleep(0.25)
    else:
        proc.kill()
        pytest.fail(f"streamlit did not start: {log.read_text()[-2000:]}")
    yield url
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=15)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def open_page(browser, url):
    from playwright.sync_api import expect
    page = browser.new_page(viewport={"width": 1280, "height": 1500})
    page.goto(url)
    expect(page.get_by_test_id("stMetricValue").first).to_be_visible(timeout=30_000)
    return page


@pytest.fixture(scope="module")
def shots_dir(tmp_path_factory):
    """docs/screenshots with UPDATE_SCREENSHOTS=1 (`make screenshots`), else a temporary
    folder, so that `make test` leaves the checkout as it was."""
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        return SHOTS
    return tmp_path_factory.mktemp("screenshots")


def shot(page, folder, name):
    page.wait_for_timeout(1500)
    page.evaluate("document.querySelector('[data-testid=\"stMain\"]')?.scrollTo(0, 0)")
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    assert (folder / f"{name}.png").stat().st_size > 10_000


def test_change_a_parameter_and_see_the_exit_month_move(server, browser):
    from playwright.sync_api import expect
    page = open_page(browser, f"{server}/?scenario=bogra_handicrafts")
    exit_value = page.get_by_test_id("stMetricValue").first
    base = engine.project(engine.load_scenario("bogra_handicrafts")).summary
    expect(exit_value).to_have_text(base["exit_date"])
    field = page.get_by_role("spinbutton", name="cash reserve, taka")
    field.fill("100000")
    field.press("Enter")
    after = engine.project(engine.with_overrides(engine.load_scenario("bogra_handicrafts"), {
        "group.cash_reserve": 100000.0})).summary
    assert after["exit_date"] != base["exit_date"]
    expect(exit_value).to_have_text(after["exit_date"] or "not within horizon", timeout=20_000)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    page.close()


@pytest.mark.parametrize(("name", "path", "ref"), [
    ("overview", "", "modhupur_pineapple"),
    ("loan_officer", "loan_officer", "modhupur_pineapple"),
    ("facilitator", "facilitator", "bogra_handicrafts"),
    ("producer", "producer", "modhupur_pineapple:pran_contract"),
    ("compare", "compare", "modhupur_pineapple"),
    ("risk", "risk", "bogra_handicrafts"),
])
def test_screenshot_every_page(server, browser, shots_dir, name, path, ref):
    from playwright.sync_api import expect
    page = browser.new_page(viewport={"width": 1280, "height": 1600})
    page.goto(f"{server}/{path}?scenario={ref}")
    expect(page.get_by_test_id("stPlotlyChart").last).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    shot(page, shots_dir, name)
    page.close()
