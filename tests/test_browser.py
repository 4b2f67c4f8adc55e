"""A real browser: Playwright drives Debian's chromium against `streamlit run` on 127.0.0.1.
It loads the app, changes a parameter, sees the exit month change, builds a group from blank on
the Case file page, saves, reloads, reopens and shares it, and takes a screenshot of every page
into docs/screenshots/. Skipped, with the reason, where chromium is missing."""

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
from engine import fmt

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
    page.wait_for_timeout(800)
    page.evaluate("document.querySelector('[data-testid=\"stMain\"]')?.scrollTo(0, 0)")
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    assert (folder / f"{name}.png").stat().st_size > 10_000


def test_change_a_parameter_and_see_the_exit_month_move(server, browser):
    from playwright.sync_api import expect
    page = open_page(browser, f"{server}/?scenario=bogra_handicrafts")
    exit_value = page.get_by_test_id("stMetricValue").first
    base = engine.project(engine.load_scenario("bogra_handicrafts")).summary
    expect(exit_value).to_have_text(fmt.month(base["exit_date"], 0))   # 'Jan 2002'
    field = page.get_by_role("textbox", name="cash reserve (taka)")
    field.fill("100000")
    field.press("Enter")
    after = engine.project(engine.with_overrides(engine.load_scenario("bogra_handicrafts"), {
        "group.cash_reserve": 100000.0})).summary
    assert after["exit_date"] != base["exit_date"]
    expect(exit_value).to_have_text(fmt.month(after["exit_date"], 0) if after["exit_date"]
                                    else "not within horizon", timeout=20_000)
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
@pytest.mark.skipif(os.environ.get("UPDATE_SCREENSHOTS") != "1",
                    reason="screenshots are retaken by `make screenshots`; AppTest runs every "
                    "page in `make test`")
def test_screenshot_every_page(server, browser, shots_dir, name, path, ref):
    from playwright.sync_api import expect
    page = browser.new_page(viewport={"width": 1280, "height": 1600})
    page.goto(f"{server}/{path}?scenario={ref}")
    expect(page.get_by_test_id("stPlotlyChart").last).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    shot(page, shots_dir, name)
    page.close()


GROUPS_CSV = ("group_id,group.members,group.cash_reserve,channels.tmss_retail.price\n"
              "shibganj,20,10000,300\nsonatala,25,5000,\ndhunat,40,80000,200\n"
              "sherpur,thirty,15000,350\nkahaloo,30,-5,330\n")
"""A portfolio of five Bogra groups, two of them with a problem the page names (a word for a
number, a negative reserve)."""


def upload_groups(page, folder):
    """Upload GROUPS_CSV on the Portfolio page and wait for its table."""
    from playwright.sync_api import expect
    path = folder / "groups.csv"
    path.write_text(GROUPS_CSV)
    page.get_by_test_id("stMainBlockContainer").locator("input[type=file]").set_input_files(
        str(path))
    expect(page.get_by_test_id("stDataFrame")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stException")).to_have_count(0)


@pytest.mark.skipif(os.environ.get("UPDATE_SCREENSHOTS") != "1",
                    reason="screenshots are retaken by `make screenshots`")
def test_screenshot_the_portfolio_page(server, browser, shots_dir, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 1300})
    page.goto(f"{server}/portfolio?scenario=bogra_handicrafts")
    upload_groups(page, tmp_path)
    shot(page, shots_dir, "portfolio")
    page.close()


def settle(page):
    """Wait for the rerun an edit started to finish."""
    from playwright.sync_api import expect
    page.wait_for_timeout(600)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)
    page.wait_for_timeout(150)


def enter(page, label, value):
    box = page.get_by_label(label, exact=True).filter(visible=True)
    box.wait_for(timeout=60_000)
    box.fill(str(value))
    box.press("Enter")
    settle(page)


def choose(page, label, option):
    page.get_by_label(label, exact=True).filter(visible=True).click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).click()
    settle(page)


def click(page, role, name):
    page.get_by_role(role, name=name, exact=True).click()
    settle(page)


def exit_month(page):
    return page.get_by_test_id("stMetricValue").first


def test_build_a_group_from_blank_save_reload_reopen_and_share(server, browser, shots_dir):
    """The dairy group of tests/test_casefile.py (DAIRY), typed in as a loan officer would."""
    from playwright.sync_api import expect

    from tests.test_casefile import DAIRY
    expected = fmt.month(engine.project(engine.parse_scenario(DAIRY)).summary["exit_date"], 0)
    page = browser.new_page(viewport={"width": 1280, "height": 1500})
    page.goto(f"{server}/casefile?scenario=new")
    expect(exit_month(page)).to_be_visible(timeout=60_000)
    click(page, "button", "Start a new group")
    for label, v in [("title", "Dairy group"), ("file name", "dairy_group"),
                     ("first month (YYYY-MM)", "2026-07"), ("members (people)", 40),
                     ("opening cash (taka)", 50000), ("cash reserve (taka)", 20000)]:
        enter(page, label, v)
    shot(page, shots_dir, "casefile_group")
    click(page, "tab", "Products")
    for label, v in [("product", "milk"), ("unit of sale", "litre"),
                     ("capacity (units/month)", 6000), ("variable cost (taka/unit)", 35)]:
        enter(page, label, v)
    shot(page, shots_dir, "casefile_products")
    click(page, "tab", "Buyers")
    for label, v in [("channel", "processor"), ("price (taka/unit)", 38),
                     ("share of volume (%)", 70), ("payment delay (days)", 15)]:
        enter(page, label, v)
    click(page, "button", "Add a buyer")
    for label, v in [("channel", "sweet_shops"), ("price (taka/unit)", 45),
                     ("share of volume (%)", 30)]:
        enter(page, label, v)
    shot(page, shots_dir, "casefile_buyers")
    click(page, "tab", "Services")
    click(page, "button", "Add a service")
    enter(page, "service", "veterinary")
    enter(page, "monthly cost (taka/month)", 12000)
    enter(page, "add a payer", "donor")
    click(page, "button", "Add payer")
    enter(page, "donor pays (%)", 100)
    choose(page, "taper kind", "linear")
    choose(page, "taper starts", "Jul 2027")
    enter(page, "linear: months to final level (months)", 24)
    shot(page, shots_dir, "casefile_services")
    click(page, "tab", "Loans")
    click(page, "button", "Add a loan")
    for label, v in [("loan", "mfi"), ("principal (taka)", 300000), ("interest rate (%)", 24),
                     ("installments", 24)]:
        enter(page, label, v)
    day = page.get_by_test_id("stDateInput").filter(has_text="disbursed on").locator("input")
    day.fill("2026-09-15")
    day.press("Enter")
    page.keyboard.press("Escape")
    page.get_by_role("heading", name="Case file").click()   # the calendar closes: date taken
    settle(page)
    expect(exit_month(page)).to_have_text(expected)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    shot(page, shots_dir, "casefile_loans")
    link = page.url

    click(page, "tab", "Save")
    click(page, "button", "Save case file")
    expect(exit_month(page)).to_have_text(expected)
    page.reload()
    expect(exit_month(page)).to_have_text(expected, timeout=60_000)
    # reopened from the list of case files, in a page that starts elsewhere
    page.goto(f"{server}/casefile?scenario=bogra_handicrafts")
    expect(exit_month(page)).to_be_visible(timeout=60_000)
    page.get_by_text("Start a new group, or open a saved case file").click()
    settle(page)
    choose(page, "case file", "dairy_group")
    click(page, "button", "Open this case file")
    expect(exit_month(page)).to_have_text(expected)
    shot(page, shots_dir, "casefile_open")
    page.close()

    # the link of the unsaved group, in a fresh browser context
    context = browser.new_context(viewport={"width": 1280, "height": 1500})
    shared = context.new_page()
    shared.goto(link)
    expect(exit_month(shared)).to_have_text(expected, timeout=60_000)
    expect(shared.get_by_role("heading", name="Case file: Dairy group")).to_be_visible()
    context.close()
