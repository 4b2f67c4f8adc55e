"""Bangla numbers, money and dates (engine/fmt.py): lakh/crore grouping with Bengali and Latin
digits, the taka sign, the Bengali calendar and the cropping seasons. Every expected string is
written by hand; calendar dates are counted in the test from the rule in docs/methodology.md
("Bangla: numbers, calendar and seasons")."""

import datetime as dt

import pytest

from engine import fmt, i18n
from engine.fmt import BanglaDate

BN = fmt.style_for("bn")                      # lakh grouping, Bengali digits
BN_LATIN = fmt.style_for("bn", digits="latin")


@pytest.mark.parametrize(("x", "bengali", "latin"), [
    (0, "০", "0"),
    (999, "৯৯৯", "999"),
    (100_000, "১,০০,০০০", "1,00,000"),                 # one lakh
    (1_234_567, "১২,৩৪,৫৬৭", "12,34,567"),
    (10_000_000, "১,০০,০০,০০০", "1,00,00,000"),         # one crore
    (1_234_567_890, "১,২৩,৪৫,৬৭,৮৯০", "1,23,45,67,890"),  # 123 crore 45 lakh ...
    (-1_450_000, "-১৪,৫০,০০০", "-14,50,000"),
    (-0.4, "০", "0"),                                   # rounds to zero: no minus sign
])
def test_lakh_crore_grouping_with_bengali_and_latin_digits(x, bengali, latin):
    assert fmt.number(x, BN) == bengali
    assert fmt.number(x, BN_LATIN) == latin


@pytest.mark.parametrize(("x", "bengali", "latin"), [
    # CLDR's Bangla currency pattern puts the sign after the amount: #,##,##0.00¤
    (1_234_567, "১২,৩৪,৫৬৭৳", "12,34,567৳"),
    (-1_234_567, "-১২,৩৪,৫৬৭৳", "-12,34,567৳"),
    (0, "০৳", "0৳"),
    (25_00_00_000, "২৫,০০,০০,০০০৳", "25,00,00,000৳"),     # 25 crore
    (2.6, "৩৳", "3৳"),                                   # whole taka, half away from zero
])
def test_money_carries_the_taka_sign(x, bengali, latin):
    assert fmt.money(x, BN) == bengali
    assert fmt.money(x, BN_LATIN) == latin
    assert fmt.money(x, BN, unit=False) == bengali.removesuffix("৳")


def test_prices_keep_paisa_and_percentages_and_ratios_use_the_digits():
    assert fmt.money(5.3, BN, decimals=2) == "৫.৩০৳"
    assert fmt.percent(0.255, BN) == "২৫.৫%"
    assert fmt.percent(-0.031, BN_LATIN) == "-3.1%"
    assert fmt.ratio(1.25, BN) == "১.২৫"


def test_international_grouping_can_be_chosen_in_bangla():
    style = fmt.style_for("bn", grouping="international")
    assert fmt.money(1_450_000, style) == "১,৪৫০,০০০৳"


def test_missing_values_and_counts_in_bangla():
    assert fmt.money(None, BN) == "প্রযোজ্য নয়"
    assert fmt.months_count(18, BN) == "১৮ মাস"
    assert fmt.months_count(1, BN_LATIN) == "1 মাস"


def test_the_style_follows_the_language_in_force():
    assert fmt.style_for() == fmt.Style()
    with i18n.language("bn"):
        assert fmt.style_for() == BN
        assert fmt.months_count(2) == "২ মাস"


def test_gregorian_months_and_dates_in_bangla():
    assert fmt.month("2002-01", 6, BN) == "জুলাই ২০০২"
    assert fmt.month("2002-01", 6, BN_LATIN) == "জুলাই 2002"
    assert fmt.month("2002-01", 6) == "Jul 2002"
    assert fmt.long_date(dt.date(2024, 12, 16), BN) == "১৬ ডিসেম্বর ২০২৪"


# ---- the Bengali calendar ------------------------------------------------------------------------
# The rule (docs/methodology.md): a year starts on 14 April; from 1426 BS Boishakh..Ashwin have 31
# days, Kartik..Magh and Choitro 30, Falgun 29 (30 when its February has a 29th). Before 1426 (the
# 1987 rule): Boishakh..Bhadro 31, Ashwin..Choitro 30, Falgun 31 in a leap year.

def test_new_year_is_14_april():
    # 2024 - 593 = 1431
    assert fmt.bangla_date(dt.date(2024, 4, 14)) == BanglaDate(1431, 1, 1)
    # the day before is the last of Choitro 1430, the 30th
    assert fmt.bangla_date(dt.date(2024, 4, 13)) == BanglaDate(1430, 12, 30)


def test_victory_day_2024_is_1_poush_under_the_revised_calendar():
    # from 14 April to 16 December 2024: 16 (rest of April, 14..30 less the 14th itself) + 31 May
    # + 30 Jun + 31 Jul + 31 Aug + 30 Sep + 31 Oct + 30 Nov + 16 = 246 days after 1 Boishakh
    days = 16 + 31 + 30 + 31 + 31 + 30 + 31 + 30 + 16
    assert (dt.date(2024, 12, 16) - dt.date(2024, 4, 14)).days == days == 246
    # Boishakh..Ashwin 6 x 31 = 186, Kartik 30 -> 216, Ogrohayon 30 -> 246: day 247 is 1 Poush
    assert 6 * 31 + 30 + 30 == 246
    assert fmt.bangla_date(dt.date(2024, 12, 16)) == BanglaDate(1431, 9, 1)
    assert fmt.bangla_date_text(dt.date(2024, 12, 16), BN) == "১ পৌষ ১৪৩১"


def test_victory_day_2018_was_2_poush_under_the_1987_rule():
    # 246 days after 1 Boishakh 1425 (same month lengths in 2018), but Boishakh..Bhadro
    # 5 x 31 = 155, Ashwin..Ogrohayon 3 x 30 = 90 -> 245: day 247 is 2 Poush
    assert (dt.date(2018, 12, 16) - dt.date(2018, 4, 14)).days == 246
    assert 5 * 31 + 3 * 30 == 245
    assert fmt.bangla_date(dt.date(2018, 12, 16)) == BanglaDate(1425, 9, 2)


def test_national_days_fall_where_the_2019_revision_put_them():
    # 21 February 2025: 1 Falgun 1431 = 14 April 2024 + 6x31 + 4x30 = 306 days = 14 Feb 2025
    assert dt.date(2024, 4, 14) + dt.timedelta(days=6 * 31 + 4 * 30) == dt.date(2025, 2, 14)
    assert fmt.bangla_date(dt.date(2025, 2, 21)) == BanglaDate(1431, 11, 8)
    # Falgun 1431 has 29 days (February 2025 has 28): 1 Choitro = 14 Feb + 29 = 15 March
    assert fmt.bangla_date(dt.date(2025, 3, 26)) == BanglaDate(1431, 12, 12)
    # Falgun 1430 holds 29 February 2024: 30 days, and Choitro 1430 still ends on 13 April
    assert fmt.bangla_month_lengths(1430)[10] == 30
    assert fmt.bangla_date(dt.date(2024, 2, 29)) == BanglaDate(1430, 11, 16)   # 14 Feb + 15
    assert fmt.bangla_date(dt.date(2024, 3, 15)) == BanglaDate(1430, 12, 1)


def test_every_day_of_sixteen_years_is_counted_once_and_years_follow_gregorian_leap_years():
    day, seen = dt.date(2015, 4, 14), []
    while day < dt.date(2031, 4, 14):
        seen.append(fmt.bangla_date(day))
        day += dt.timedelta(days=1)
    assert seen == sorted(seen) and len(set(seen)) == len(seen)
    per_year = {y: sum(1 for b in seen if b.year == y) for y in range(1422, 1438)}
    # 1422 holds February 2016 (leap): 366 days; 1423 holds February 2017: 365
    assert per_year[1422] == 366 and per_year[1423] == 365 and per_year[1426] == 366
    assert per_year == {y: 366 if (y + 594) % 4 == 0 else 365 for y in range(1422, 1438)}


def test_bengali_months_beside_a_gregorian_month():
    # Asharh 1431 begins 14 April + 2 x 31 days = 15 June: 1 July is 17 Asharh; Srabon begins
    # 15 June + 31 = 16 July. April 2024: 1-13 April are Choitro 1430, 14-30 Boishakh 1431.
    assert fmt.bangla_date(dt.date(2024, 7, 1)) == BanglaDate(1431, 3, 17)
    assert fmt.bangla_months(dt.date(2024, 7, 1), BN) == "আষাঢ়–শ্রাবণ ১৪৩১"
    assert fmt.bangla_months(dt.date(2024, 4, 1)) == "Choitro 1430–Boishakh 1431"


# ---- cropping seasons ----------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "expected"), [
    (dt.date(2024, 3, 14), "Rabi"),       # 30 Falgun 1430
    (dt.date(2024, 3, 15), "Kharif-1"),   # 1 Choitro
    (dt.date(2024, 7, 15), "Kharif-1"),   # 31 Asharh
    (dt.date(2024, 7, 16), "Kharif-2"),   # 1 Srabon
    (dt.date(2024, 10, 16), "Kharif-2"),  # 31 Ashwin (a 31-day Ashwin since 2019)
    (dt.date(2024, 10, 17), "Rabi"),      # 1 Kartik
])
def test_season_of_a_day_follows_its_bengali_month(day, expected):
    assert fmt.season(day) == expected


def test_season_of_a_gregorian_month_is_that_of_most_of_its_days():
    # October: 1-16 Ashwin (Kharif-2, 16 days) against 17-31 Kartik (Rabi, 15 days)
    # March: 1-14 Falgun (Rabi, 14 days) against 15-31 Choitro (Kharif-1, 17 days)
    # July: 1-15 Asharh (Kharif-1, 15 days) against 16-31 Srabon (Kharif-2, 16 days)
    expected = {1: "Rabi", 2: "Rabi", 3: "Kharif-1", 4: "Kharif-1", 5: "Kharif-1",
                6: "Kharif-1", 7: "Kharif-2", 8: "Kharif-2", 9: "Kharif-2", 10: "Kharif-2",
                11: "Rabi", 12: "Rabi"}
    assert {m: fmt.season_of_month(m) for m in range(1, 13)} == expected
    assert fmt.season_of_month(8, lang="bn") == "খরিফ-২"


def test_a_month_with_its_bengali_months_and_season():
    assert fmt.month_with_season("2002-01", 7) == "Aug 2002 (Srabon–Bhadro 1409, Kharif-2)"
    assert fmt.month_with_season("2024-01", 11, BN) == (
        "ডিসেম্বর ২০২৪ (অগ্রহায়ণ–পৌষ ১৪৩১, রবি)")
