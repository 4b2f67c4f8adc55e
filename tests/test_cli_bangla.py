"""`subsidy-exit --lang bn`: every command's output, its help and its errors in Bangla, numbers in
lakh and crore with Bengali digits (or Latin with --digits latin). Expected figures are the
presets' totals as README's preset table states them, grouped by hand."""

import re

import pytest

from engine.cli import language_in, main

BENGALI = re.compile(r"[\u0980-\u09FF]")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_run_in_bangla_with_bengali_digits_and_lakh_grouping(capsys):
    code, out, _ = run(capsys, "--lang", "bn", "run", "bogra_handicrafts")
    assert code == 0
    assert "Bogra Handicrafts Association (bogra_handicrafts), সেপ্টেম্বর ২০০১, ৬০ মাস" in out
    # total subsidy 436,500 taka: 4 lakh 36 thousand 500
    assert re.search(r"মোট ভর্তুকি, টাকা\s+৪,৩৬,৫০০\n", out)
    assert "ভর্তুকি ছাড়ার মাস" in out and "চাপ পরীক্ষা:" in out


def test_the_language_may_follow_the_command_and_digits_may_be_latin(capsys):
    code, out, _ = run(capsys, "run", "bogra_handicrafts", "--lang", "bn", "--digits", "latin")
    assert code == 0
    assert re.search(r"মোট ভর্তুকি, টাকা\s+4,36,500\n", out)


def test_english_stays_english(capsys):
    code, out, _ = run(capsys, "run", "bogra_handicrafts")
    assert code == 0 and not BENGALI.search(out)
    assert re.search(r"Total subsidy, taka\s+436,500\n", out)


def test_errors_in_bangla_name_the_field_and_value(capsys):
    code, _, err = run(capsys, "--lang", "bn", "run", "bogra_handicrafts", "--set", "nonsense")
    assert code == 2
    assert err == "ত্রুটি: ১টি সমস্যা:\n  --set: PATH=VALUE আকারে হতে হবে (পাওয়া গেছে 'nonsense')\n"


def test_validation_errors_in_bangla(capsys):
    code, _, err = run(capsys, "--lang", "bn", "run", "bogra_handicrafts",
                       "--set", "group.members=-3")
    assert code == 2
    assert err == "ত্রুটি: ১টি সমস্যা:\n  group.members: >= 1 হতে হবে (পাওয়া গেছে -3)\n"


def test_argparse_messages_and_help_in_bangla(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--lang", "bn", "run"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("ব্যবহার: ")
    assert "subsidy-exit run: ত্রুটি: এই আর্গুমেন্টগুলো আবশ্যক: scenario" in err
    with pytest.raises(SystemExit):
        main(["--lang", "bn", "report", "--help"])
    out = capsys.readouterr().out
    assert "ঋণদাতার DSCR নীতি (না দিলে 1.25)" in out
    assert "এই সহায়তা দেখিয়ে বেরিয়ে যান" in out


def test_other_commands_in_bangla(capsys):
    _, out, _ = run(capsys, "--lang", "bn", "validate", "modhupur_pineapple")
    assert out.startswith("modhupur_pineapple: সঠিক (")
    _, out, _ = run(capsys, "--lang", "bn", "statements", "modhupur_pineapple")
    assert "অর্থায়নের আগে দলের বিনিয়োগ (FAO RuralInvest), বছরে" in out
    assert "অনুদানসহ: NPV " in out
    _, out, _ = run(capsys, "--lang", "bn", "switch", "modhupur_pineapple", "pran",
                    "spot_dhaka", "discount")
    assert "বিবেচনায়" in out and "এখন: discount = " in out


def test_language_in_reads_the_flag_anywhere():
    assert language_in(["run", "x", "--lang", "bn"]) == "bn"
    assert language_in(["--lang=bn", "run"]) == "bn"
    assert language_in(["run", "x"]) == "en"
    assert language_in(["--lang", "fr"]) == "en"       # argparse then names the choices
