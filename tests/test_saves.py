"""Saves that cannot go wrong and an app that never shows a traceback (issue #11). Each test is a
reproduction of the hostile test; the expected outcome is stated beside it."""

import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import engine
from ui.storage import StorageError, Workspace

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture(autouse=True)
def workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("SUBSIDY_EXIT_WORKSPACE", str(tmp_path / "workspace"))
    return tmp_path / "workspace"


def _save(args):
    root, i = args
    try:
        Workspace(Path(root)).save("same", f"# writer {i}\n")
        return i
    except StorageError:
        return None


def test_concurrent_creates_of_one_name_let_exactly_one_win(workspace):
    workspace.mkdir()
    with ProcessPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(_save, [(str(workspace), i) for i in range(12)]))
    winners = [i for i in results if i is not None]
    assert len(winners) == 1
    assert (workspace / "same.toml").read_text() == f"# writer {winners[0]}\n"
    assert not list(workspace.glob(".*.tmp"))


def test_overwrite_only_when_asked_and_stale_temp_files_are_cleaned(workspace):
    ws = Workspace(workspace)
    ws.save("a", "# one\n")
    with pytest.raises(StorageError, match="'a' exists already"):
        ws.save("a", "# two\n")
    assert (workspace / "a.toml").read_text() == "# one\n"
    ws.save("a", "# two\n", overwrite=True)
    assert (workspace / "a.toml").read_text() == "# two\n"
    stale, fresh = workspace / ".b.killed.tmp", workspace / ".c.running.tmp"
    stale.write_text("half")
    fresh.write_text("half")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    ws.save("d", "# d\n")
    assert not stale.exists() and fresh.exists()


def test_a_file_that_would_not_reopen_is_not_saved(workspace):
    with pytest.raises(StorageError, match="would not reopen"):
        Workspace(workspace).save("bad", 'name = "x"\n', check=engine.parse_scenario)
    assert not (workspace / "bad.toml").exists()


def test_unreadable_saved_files_are_listed_with_their_problem(workspace):
    workspace.mkdir()
    (workspace / "latin.toml").write_bytes('title = "café"\n'.encode("latin-1"))
    (workspace / "broken.toml").write_text('name = "x"\n')
    with pytest.raises(StorageError, match="not UTF-8 text"):
        Workspace(workspace).load("latin")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    warning = " ".join(w.value for w in at.sidebar.warning)
    # 'title = "caf' is 12 bytes: the 13th, 0xe9, is Latin-1's e-acute
    assert "**latin**: not UTF-8 text (byte 0xe9 at position 12); save it as UTF-8" in warning
    assert "**broken**: broken.toml: title: required, but missing (and 5 more)" in warning
    assert "saved:broken" not in at.selectbox(key="scenario_ref").options
    assert str(workspace) not in warning


def test_the_save_name_follows_the_scenario_on_screen():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert at.text_input(key="save_name").value == "modhupur_pineapple"
    at.selectbox(key="scenario_ref").set_value("bogra_handicrafts").run()
    assert at.text_input(key="save_name").value == "bogra_handicrafts"


def test_a_link_with_bad_edits_opens_with_them_named_and_dropped():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["scenario"] = "modhupur_pineapple"
    at.query_params["set"] = ["channels.pran.price=inf", "group.members=30",
                              "channels.pran.name=renamed", "provenance.nothing=x",
                              "group.members_typo=1"]
    at.run()
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    # each named in the user's words, with the path for the expert
    assert "PRAN: price (`channels.pran.price`): must be a finite number (got 'inf')" in text
    # the rename breaks what names 'pran': JOBS's grading effect (the spot variant follows
    # the rename, as it does when the case file is saved)
    assert "(`services.jobs_business_services.effects[0].target`): must name a channel" in text
    assert "the source noted for Nothing (`nothing`) names no value of this group" in text
    assert "The group: members typo (`group.members_typo`): unknown parameter" in text
    assert "provenance." not in text
    assert at.session_state.edits["modhupur_pineapple"] == {"group.members": 30}
    assert at.query_params["set"] in ("group.members=30", ["group.members=30"])


def test_a_link_that_renames_a_loan_opens_with_the_rename_and_saves():
    """An item renamed in the editor writes its new name into the link; the link reopens with
    it (the loan's sources follow it, as in a saved case file), never with a list of the
    sources' internal paths."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["scenario"] = "modhupur_pineapple"
    at.query_params["set"] = ["loans.sibl_3.name=mfi_loan"]
    at.run()
    assert not at.exception and not at.warning
    assert at.session_state.edits["modhupur_pineapple"] == {"loans.sibl_3.name": "mfi_loan"}
    at.button(key="save_button").click().run()
    assert not at.exception and not at.error
    saved = engine.load_scenario(str(Workspace().path("modhupur_pineapple")))
    assert "mfi_loan" in [loan.name for loan in saved.loans]
    assert saved.provenance["loans.mfi_loan.principal"] == engine.load_scenario(
        "modhupur_pineapple").provenance["loans.sibl_3.principal"]


def test_a_page_that_raises_shows_a_message_without_traceback_and_reset_works(monkeypatch):
    import ui.pages.overview

    def boom():
        raise ZeroDivisionError("/srv/secret/path.py")
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["set"] = ["group.members=31"]
    at.run()
    monkeypatch.setattr(ui.pages.overview, "render", boom)
    at.run()
    assert not at.exception
    text = " ".join(e.value for e in at.error)
    assert "an internal error: ZeroDivisionError" in text and "/srv" not in text
    assert at.session_state.edits["modhupur_pineapple"] == {"group.members": 31}
    at.button(key="reset_button").click().run()
    assert at.session_state.edits["modhupur_pineapple"] == {}
    assert at.query_params.get("set") in (None, [], "")


# Windows keeps these names for devices: CON, PRN, AUX, NUL, COM1-9, LPT1-9 (and COM/LPT with a
# superscript 1-3), in any case and with any extension ("Naming Files, Paths, and Namespaces",
# Microsoft Learn). A workspace copied to Windows could not hold NUL.toml.
@pytest.mark.parametrize("name", ["CON", "con", "Prn", "aux", "NUL", "nul.txt", "COM1", "com9",
                                  "LPT1", "lpt9.toml", " Con ", "COM²", "AUX.backup.toml"])
def test_windows_device_names_are_refused_with_a_clear_message(workspace, name):
    ws = Workspace(workspace)
    device = name.strip().split(".")[0].upper()
    with pytest.raises(StorageError) as e:
        ws.save(name, "# x\n")
    assert str(e.value) == (f"{name!r} is a name Windows keeps for a device ({device}): a "
                            "workspace copied to Windows could not hold it. Choose another name.")
    assert not workspace.exists() or not list(workspace.iterdir())


@pytest.mark.parametrize("name", ["CON1", "COM0", "LPT10", "console", "nul_group", "auxiliary",
                                  "prn-2"])
def test_names_that_only_look_like_devices_are_saved(workspace, name):
    assert Workspace(workspace).save(name, "# x\n").name == f"{name}.toml"


def test_a_device_name_saved_before_still_opens(workspace):
    """Saved on Linux before the rule: listed and opened, never lost."""
    workspace.mkdir()
    (workspace / "CON.toml").write_text("# kept\n")
    ws = Workspace(workspace)
    assert ws.names() == ["CON"] and ws.load("CON") == "# kept\n"
    with pytest.raises(StorageError, match="Windows"):
        ws.save("CON", "# new\n", overwrite=True)
    assert ws.load("CON") == "# kept\n"


def test_storage_messages_are_in_the_language_in_force(workspace):
    from engine.i18n import language
    ws = Workspace(workspace)
    ws.save("a", "# one\n")
    with language("bn"):
        with pytest.raises(StorageError) as exists:
            ws.save("a", "# two\n")
        with pytest.raises(StorageError) as device:
            ws.save("nul", "# two\n")
        with pytest.raises(StorageError) as empty:
            ws.save("..", "# two\n")
    assert str(exists.value) == ("'a' আগে থেকেই আছে; অন্য নাম বেছে নিন বা তার ওপর লেখা নিশ্চিত "
                                 "করুন")
    assert str(device.value).startswith("'nul' নামটি Windows একটি যন্ত্রের জন্য রেখে দেয় (NUL)")
    assert str(empty.value).startswith("নাম '..'-এ কোনো অক্ষর বা অঙ্ক নেই")


def test_the_case_file_page_names_a_device_file_name(workspace):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["scenario"] = "bogra_handicrafts"
    at.query_params["set"] = "name=con"
    at.switch_page("views/casefile.py").run()
    assert not at.exception
    shown = " ".join(e.value for e in at.error)
    assert ("'con' is a name Windows keeps for a device (CON): a workspace copied to Windows "
            "could not hold it. Choose another name. Change the group's *file name* on the "
            "Group tab.") in shown


@pytest.mark.parametrize("rename", ["channels.tmss_retail.name=tmss_shop",
                                    "channels[0].name=tmss_shop"])
def test_a_renamed_channel_takes_its_variants_along_and_changes_no_figure(rename):
    """Bogra's baseline variant ('individual') sets channels.tmss_retail.price. A rename by
    the editor or a link left it naming a channel that was gone: the Facilitator page (DCED
    results against the baseline) failed and the Producer page dropped the variant. A rename
    changes no figure: every metric is the one of the scenario as it was."""
    def shown(query: dict) -> tuple[list, list, list]:
        at = AppTest.from_file(APP, default_timeout=60)
        for k, v in query.items():
            at.query_params[k] = v
        out = []
        for page in ("facilitator", "producer"):
            at.switch_page(f"views/{page}.py").run()
            assert not at.exception and not at.error, [e.value for e in at.error]
            out.append([m.value for m in at.metric])
        return (*out, [w.value for w in at.warning])

    as_it_was = shown({"scenario": "bogra_handicrafts"})
    renamed = shown({"scenario": "bogra_handicrafts", "set": [rename]})
    assert renamed == as_it_was
    assert not [w for w in renamed[2] if "does not apply" in w]


def test_a_renamed_channel_keeps_the_results_export():
    from engine.casefile import follow_renames
    from engine.io import with_overrides
    from engine.results import results_of
    base = engine.load_scenario("bogra_handicrafts")
    edited = follow_renames(base, with_overrides(base, {"channels[0].name": "tmss_shop"}))
    assert edited.variants["individual"] == {"channels.tmss_shop.price": 277.78,
                                             "channels.tmss_wholesale.price": 277.78}
    assert edited.baseline_variant == "individual"
    assert results_of(edited) == results_of(base)


def test_a_name_that_differs_only_in_capitals_from_a_saved_one_is_refused(workspace):
    """Windows (and macOS) file names ignore case: 'Group.toml' and 'group.toml' would be one
    file in a copied workspace, and one save would be lost."""
    ws = Workspace(workspace)
    ws.save("Dairy_group", "# one\n")
    for name in ("dairy_group", "DAIRY_GROUP", "dairy group"):
        with pytest.raises(StorageError) as e:
            ws.save(name, "# two\n", overwrite=True)
        assert str(e.value) == (
            f"'{name.replace(' ', '_')}' differs from the saved 'Dairy_group' only in capital "
            "letters: a workspace copied to Windows would hold one of them; choose another "
            "name, or save as 'Dairy_group'")
    ws.save("Dairy_group", "# three\n", overwrite=True)   # the name itself is replaced
    assert ws.names() == ["Dairy_group"] and ws.load("Dairy_group") == "# three\n"


def test_two_names_saved_before_in_different_capitals_can_each_be_saved_again(workspace):
    workspace.mkdir()
    (workspace / "Group.toml").write_text("# A\n")
    (workspace / "group.toml").write_text("# a\n")
    ws = Workspace(workspace)
    ws.save("Group", "# A2\n", overwrite=True)
    ws.save("group", "# a2\n", overwrite=True)
    assert (ws.load("Group"), ws.load("group")) == ("# A2\n", "# a2\n")
