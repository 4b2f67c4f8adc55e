"""A link's page setting that the page cannot take (a number past the widget's bounds, a value
that is not a number, a choice not offered) is named in one warning, with the value asked and
what is allowed, and the page shows the setting's default (issue #11)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")
HEAD = "This link carried page settings that are not allowed; the defaults are shown instead:\n\n"


@pytest.fixture(autouse=True)
def workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("SUBSIDY_EXIT_WORKSPACE", str(tmp_path / "workspace"))


def opened(page: str | None, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    if page:
        at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def settings_warning(at: AppTest) -> str:
    [warning] = [w.value for w in at.warning if w.value.startswith(HEAD)]
    return warning.removeprefix(HEAD)


# (page, setting, value asked, the line expected, the default the page shows)
# bounds are the widgets' own: DSCR target slider 1.0-2.0 (default 1.25), Monte Carlo paths
# 100-20000 (default 1000), taper step 1-24 months (default 6)
CASES = [
    ("loan_officer", "dscr_target", "1e400",
     "- `dscr_target` = '1e400': allowed is a number from 1 to 2", 1.25),
    ("risk", "mc_paths", "100000000",
     "- `mc_paths` = '100000000': allowed is a number from 100 to 20000", 1000),
    ("facilitator", "taper_every", "0",
     "- `taper_every` = '0': allowed is a number from 1 to 24", 6),
    ("facilitator", "taper_every", "xx",
     "- `taper_every` = 'xx': allowed is a number from 1 to 24", 6),
    (None, "digits", "xx", "- `digits` = 'xx': allowed is one of: bengali, latin", "bengali"),
    (None, "grouping", "zz",
     "- `grouping` = 'zz': allowed is one of: international, lakh", "international"),
]


@pytest.mark.parametrize(("page", "key", "asked", "line", "default"), CASES)
def test_a_setting_the_page_cannot_take_is_named_and_its_default_shown(page, key, asked, line,
                                                                       default):
    at = opened(page, **{key: asked})
    assert settings_warning(at) == line
    assert at.session_state[key] == default
    if page:   # the page is drawn below the warning, and the link now carries the default
        assert at.query_params[key] == str(default)
        assert len(at.main.children) > 2


def test_all_problems_in_one_warning_in_the_language_in_force():
    at = opened("facilitator", taper_start="-3", taper_every="0", lang="bn")
    # in Bangla; the setting, the value and the bounds as the link writes them
    assert [w.value for w in at.warning if "taper" in w.value] == [
        "এই লিংকে পাতার এমন কিছু সেটিং ছিল যা চলে না; সেগুলোর বদলে স্বাভাবিক মান দেখানো হচ্ছে:\n\n"
        "- `taper_start` = '-3': চলবে 0 থেকে 59 পর্যন্ত একটি সংখ্যা\n"
        "- `taper_every` = '0': চলবে 1 থেকে 24 পর্যন্ত একটি সংখ্যা"]


def test_reset_drops_the_warning():
    at = opened("risk", mc_paths="100000000", tornado_top="4")
    assert settings_warning(at) == (
        "- `tornado_top` = '4': allowed is a number from 5 to 60\n"
        "- `mc_paths` = '100000000': allowed is a number from 100 to 20000")
    at.button(key="reset_button").click().run()
    assert not [w for w in at.warning if "taper" in w.value]


def test_a_valid_grouping_in_the_link_is_taken_and_kept():
    at = opened(None, grouping="lakh")
    assert at.session_state.grouping == "lakh"
    assert at.query_params["grouping"] == "lakh"
    assert not [w for w in at.warning if w.value.startswith(HEAD)]
