"""Flat-loan conventions, tranches, down payments, variable installments, prepayment,
rescheduling, top-ups and next cycles, against published schedules and hand computation
(rules: engine/loans.py; conventions and sources: docs/methodology.md, "Loan schedules")."""

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from engine.loans import (
    InstallmentChange,
    Loan,
    Prepayment,
    Reschedule,
    TopUp,
    Tranche,
    apr,
    contracts,
    eir,
    monthly_flows,
    opening,
    schedule,
)

# ---- flat loans: Fineract's own integration tests --------------------------------------------


def test_fineract_flat_with_installment_multiples_of_1():
    # apache/fineract, integration-tests/.../LoanInstallmentMultiplesOfTest.java,
    # test_LoanRepaymentScheduleIsEquallyDistributed_WhenInterestIsPresent_AndInterestTypeIsFlat:
    # 1,250 EUR (2 digits) at 12% a year flat, 3 monthly repayments, the product's
    # installmentAmountInMultiplesOf(1) (BaseLoanIntegrationTest); expected
    #   installment(416.5, 12.5, 429.0), installment(416.5, 12.5, 429.0),
    #   installment(417.0, 12.5, 429.5)
    s = schedule(Loan(name="x", principal=1250, annual_rate=0.12, installments=3,
                      interest_method="flat", installment_multiple_of=1))
    assert s.principal.tolist() == [416.5, 416.5, 417.0]
    assert s.interest.tolist() == [12.5, 12.5, 12.5]
    assert s.payment.tolist() == [429.0, 429.0, 429.5]


def test_fineract_flat_with_installment_multiples_of_20():
    # same file, ..._AndInterestTypeIsFlat_AndMultiplesOfIs20: installmentAmountInMultiplesOf(20);
    # expected installment(427.5, 12.5, 440.0) twice, then installment(395.0, 12.5, 407.5)
    s = schedule(Loan(name="x", principal=1250, annual_rate=0.12, installments=3,
                      interest_method="flat", installment_multiple_of=20))
    assert s.principal.tolist() == [427.5, 427.5, 395.0]
    assert s.interest.tolist() == [12.5, 12.5, 12.5]
    assert s.payment.tolist() == [440.0, 440.0, 407.5]


def test_flat_installment_rounded_to_a_whole_taka_by_hand():
    # 5,000 at 12% flat over 18 months, multiples of 1 (Fineract's rule, LoanApplicationTerms):
    # principal 5,000 / 18 = 277.78 -> 278; interest 5,000 x 1% = 50; installment 328 (not
    # 327.78); the last installment takes the principal left: 5,000 - 17 x 278 = 274
    s = schedule(Loan(name="x", principal=5000, annual_rate=0.12, installments=18,
                      interest_method="flat", installment_multiple_of=1))
    assert s.payment.iloc[:-1].unique().tolist() == [328.0]
    assert s.principal.iloc[-1] == 274.0 and s.payment.iloc[-1] == 324.0
    assert s.interest.sum() == 900.0


# ---- flat loans: Bangladeshi MFI convention (MRA / MicroFinance Transparency) ---------------

MRA_LOAN = Loan(name="x", principal=1000, annual_rate=0.10, installments=44,
                repayment_unit="weeks", interest_method="flat", flat_term_years=1)


def test_mra_weekly_flat_loan_repays_44_installments_of_25():
    # Microcredit Regulatory Authority (Bangladesh) example, as quoted in the question on
    # svtuition.org "Effective interest rate" (2011): 1,000 taka at 10% flat (100 taka) repaid in
    # 44 weekly installments, total repaid 1,100 = 44 x 25
    s = schedule(MRA_LOAN)
    assert s.payment.sum() == pytest.approx(1100.0, abs=1e-9)
    assert s.interest.sum() == pytest.approx(100.0, abs=1e-9)
    assert set(s.payment) == {25.0}


def test_mra_weekly_flat_loan_eir_with_and_without_service_charge():
    # MRA's published figures for that loan: EIR 25.07% without the service charge, 31.27% with
    # a 2% (20 taka) service charge paid at disbursement; EIR = (1 + weekly IRR)^52 - 1
    # (MicroFinance Transparency counts 52 weeks a year)
    assert round(eir(MRA_LOAN), 4) == 0.2507
    with_fee = MRA_LOAN.model_copy(update={"upfront_fee_rate": 0.02})
    assert round(eir(with_fee), 4) == 0.3127
    # and the APR is the weekly rate x 52 (numpy-financial's RATE of 44 x -25 against 1,000)
    assert apr(MRA_LOAN) == pytest.approx(float(npf.rate(44, -25, 1000, 0)) * 52, abs=1e-9)


def test_flat_term_counts_52_weeks_a_year():
    # TMSS-like: 312,500 at 15% flat over 50 weeks; term 50 / 52 years (Fineract's
    # DefaultPaymentPeriodsInOneYearCalculator: WEEKS -> 52): interest 312,500 x 0.15 x 50/52 =
    # 45,072.115... -> 45,072.12 exactly, 901.44 a week and 901.56 in the last installment
    loan = Loan(name="x", principal=312500, annual_rate=0.15, installments=50,
                repayment_unit="weeks", interest_method="flat")
    s = schedule(loan)
    assert s.interest.sum() == pytest.approx(45072.12, abs=1e-9)
    assert s.interest.iloc[0] == 901.44 and s.interest.iloc[-1] == 901.56
    # "15% flat for one year" quoted for the same 50 weeks: 46,875.00
    quoted = schedule(loan.model_copy(update={"flat_term_years": 1}))
    assert quoted.interest.sum() == pytest.approx(46875.0, abs=1e-9)


@settings(max_examples=150, deadline=None)
@given(principal=st.floats(100, 1e7), rate=st.floats(0, 0.6), n=st.integers(1, 104),
       unit=st.sampled_from(["days", "weeks", "months", "years"]), every=st.integers(1, 4),
       quoted=st.one_of(st.none(), st.floats(0.1, 5)), digits=st.integers(0, 2),
       multiple=st.sampled_from([None, 1, 5, 100]))
def test_total_flat_interest_is_principal_x_rate_x_term(principal, rate, n, unit, every,
                                                        quoted, digits, multiple):
    loan = Loan(name="x", principal=principal, annual_rate=rate, installments=n,
                repayment_unit=unit, repayment_every=every, interest_method="flat",
                flat_term_years=quoted, currency_digits=digits,
                installment_multiple_of=multiple)
    # the contract's figure in decimal arithmetic (amounts as typed), rounded half-even once
    per_year = Fraction({"days": 365, "weeks": 52, "months": 12, "years": 1}[unit], every)
    term = Fraction(Decimal(repr(quoted))) if quoted is not None else n / per_year
    exact = Fraction(Decimal(repr(principal))) * Fraction(Decimal(repr(rate))) * term
    total = float((Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN))
    s = schedule(loan)
    assert s.interest.sum() == pytest.approx(total, abs=1e-6)
    assert s.principal.sum() == pytest.approx(principal, abs=1e-6)


# ---- tranches, down payment, variable installments, prepayment, rescheduling -------------------


def test_tranche_schedule_by_hand():
    # 1,000 at 1% a month over 4, equal installments; 600 at disbursement, 400 released on the
    # 2nd due date (month 2). A = PMT(1%, 4, 600) = 600 x 0.01 / (1 - 1.01^-4) = 153.77;
    # 1: interest 6.00, principal 147.77, balance 452.23
    # 2: interest 4.52, principal 149.25, balance 302.98 + 400 = 702.98
    # re-amortised over 2: A = 702.98 x 0.01 / (1 - 1.01^-2) = 356.77
    # 3: interest 7.03, principal 349.74, balance 353.24; 4: interest 3.53, principal 353.24
    loan = Loan(name="x", principal=1000, annual_rate=0.12, installments=4,
                tranches=[Tranche(month=2, amount=400)])
    s = schedule(loan)
    assert opening(loan) == (600.0, 0.0)
    assert s.disbursed.tolist() == [0, 400, 0, 0]
    assert s.interest.tolist() == [6.00, 4.52, 7.03, 3.53]
    assert s.principal.tolist() == [147.77, 149.25, 349.74, 353.24]
    assert s.payment.tolist() == [153.77, 153.77, 356.77, 356.77]
    assert s.balance.tolist() == [452.23, 702.98, 353.24, 0.0]
    flows = monthly_flows([loan], 6)
    assert flows["loan_disbursements"].tolist() == [600, 0, 400, 0, 0, 0]


def test_prepayment_recalculates_interest_by_hand():
    # 1,000 at 1% a month over 4: A = 256.28. Prepay 300 with the 1st installment:
    # 1: interest 10.00, principal 246.28 + 300, balance 453.72;
    # re-amortised over 3: A = 453.72 x 0.01 / (1 - 1.01^-3) = 154.27
    # 2: interest 4.54, principal 149.73, balance 303.99; 3: 3.04, 151.23, 152.76;
    # 4: 1.53 + 152.76 = 154.29. Total interest 19.11 against 25.13 without the prepayment
    # (10.00 + 7.54 + 5.05 + 2.54).
    base = Loan(name="x", principal=1000, annual_rate=0.12, installments=4)
    s = schedule(base.model_copy(update={"prepayments": [Prepayment(month=1, amount=300)]}))
    assert s.prepaid.tolist() == [300, 0, 0, 0]
    assert s.principal.tolist() == pytest.approx([546.28, 149.73, 151.23, 152.76], abs=1e-9)
    assert s.interest.tolist() == [10.00, 4.54, 3.04, 1.53]
    assert s.payment.tolist() == [556.28, 154.27, 154.27, 154.29]
    assert schedule(base).interest.sum() == pytest.approx(25.13)
    # the whole balance closes the loan on that due date
    closed = schedule(base.model_copy(update={"prepayments": [Prepayment(month=2)]}))
    assert len(closed) == 2 and closed.balance.iloc[-1] == 0
    assert closed.principal.sum() == pytest.approx(1000)


def test_flat_prepayment_cuts_the_remaining_interest_in_proportion():
    # 1,200 at 12% flat over 4 months: 12 a month, principal 300. Prepay 450 with the 1st
    # installment: the balance after it, 900, falls to 450 (half), so the flat interest of the
    # remaining 3 installments halves to 6 each; principal 450 / 3 = 150 each
    loan = Loan(name="x", principal=1200, annual_rate=0.12, installments=4,
                interest_method="flat", prepayments=[Prepayment(month=1, amount=450)])
    s = schedule(loan)
    assert s.interest.tolist() == [12.0, 6.0, 6.0, 6.0]
    assert s.principal.tolist() == [750.0, 150.0, 150.0, 150.0]


def test_down_payment_by_hand():
    # 1,000 at 1% a month over 3 with a 25% down payment (Fineract's
    # disbursedAmountPercentageForDownPayment): 250 paid on the disbursement date, 750 amortised:
    # A = 750 x 0.01 / (1 - 1.01^-3) = 255.02; interest 7.50 in the first month
    loan = Loan(name="x", principal=1000, annual_rate=0.12, installments=3,
                down_payment_rate=0.25)
    s = schedule(loan)
    assert opening(loan) == (1000.0, 250.0)
    assert s.payment.iloc[0] == 255.02 and s.interest.iloc[0] == 7.50
    assert s.principal.sum() == pytest.approx(750)
    flows = monthly_flows([loan], 4)
    assert flows["loan_disbursements"][0] == 1000 and flows["principal"][0] == 250


def test_variable_installment_amount_by_hand():
    # 1,000 at 1% a month over 4 (A = 256.28); the 2nd installment set to 500:
    # 1: 10.00 + 246.28, balance 753.72; 2: interest 7.54, principal 492.46, balance 261.26;
    # re-amortised over 2: A = 261.26 x 0.01 / (1 - 1.01^-2) = 132.59;
    # 3: 2.61 + 129.98, balance 131.28; 4: 1.31 + 131.28 = 132.59
    loan = Loan(name="x", principal=1000, annual_rate=0.12, installments=4,
                installment_changes=[InstallmentChange(period=2, amount=500)])
    s = schedule(loan)
    assert s.payment.tolist() == [256.28, 500.0, 132.59, 132.59]
    assert s.interest.tolist() == [10.00, 7.54, 2.61, 1.31]


def test_variable_installment_date_scales_interest_by_days():
    # 7,000 at 36.5% a year, 2 weekly installments, equal principal, 365-day year: 7,000 x
    # 0.365 x 7 / 365 = 49.00 a week. The 1st moved from day 7 to day 10 covers 10 days:
    # 7,000 x 0.365 x 10 / 365 = 70.00; the 2nd then covers 4 days on 3,500: 14.00
    loan = Loan(name="x", principal=7000, annual_rate=0.365, installments=2,
                repayment_unit="weeks", amortization="equal_principal",
                disbursement_date=date(2003, 1, 1),
                installment_changes=[InstallmentChange(period=1, due_date=date(2003, 1, 11))])
    s = schedule(loan)
    assert s.due_date.tolist() == [date(2003, 1, 11), date(2003, 1, 15)]
    assert s.interest.tolist() == [70.0, 14.0]
    bad = loan.model_copy(update={"installment_changes": [
        InstallmentChange(period=1, due_date=date(2003, 1, 20))]})
    with pytest.raises(ValidationError, match="installment_changes"):
        Loan(**dict(bad))
    # without a disbursement date there are no dates to move
    undated = dict(bad) | {"disbursement_date": None, "installment_changes": [
        InstallmentChange(period=1, due_date=date(2003, 1, 11))]}
    with pytest.raises(ValidationError, match=r"installment_changes\[0\].due_date"):
        Loan(**undated)


def test_reschedule_by_hand():
    # 1,200 at 1% a month, equal principal 100 over 12; from month 3 (after the 3rd
    # installment, balance 900) rescheduled over 6 months at 6%: principal 150, interest
    # 900 x 0.5% = 4.50, then 3.75, ...
    loan = Loan(name="x", principal=1200, annual_rate=0.12, installments=12,
                amortization="equal_principal",
                reschedule=Reschedule(month=3, installments=6, annual_rate=0.06))
    s = schedule(loan)
    assert len(s) == 9 and s.period.tolist() == list(range(1, 10))
    assert s.principal.tolist() == [100.0] * 3 + [150.0] * 6
    assert s.interest.tolist()[:5] == [12.0, 11.0, 10.0, 4.50, 3.75]
    assert s.month.tolist() == list(range(1, 10))


def test_top_up_and_next_cycles():
    # 1,200 at 1% a month, equal principal over 12; topped up in month 4 with 1,000: the 4th
    # installment (100 + 9.00) is paid and the 800 left is refinanced with 1,000 more: a new
    # loan of 1,800 from month 4 over 12 months (principal 150)
    loan = Loan(name="x", principal=1200, annual_rate=0.12, installments=12,
                amortization="equal_principal", top_up=TopUp(month=4, amount=1000))
    old, new = contracts(loan)
    assert len(schedule(old)) == 4 and schedule(old).prepaid.iloc[-1] == 800
    assert (new.principal, new.disbursement_month) == (1800.0, 4)
    assert schedule(new).principal.iloc[0] == 150
    flows = monthly_flows([loan], 6)
    # month 4: +1,800 lent, -(100 + 800) principal, -9.00 interest
    assert flows["loan_disbursements"][4] == 1800
    assert flows["principal"][4] == 900 and flows["interest"][4] == pytest.approx(9.0)
    # a next cycle on the same terms, 20% larger, from the last due date (month 12)
    cycles = monthly_flows([Loan(name="x", principal=1200, annual_rate=0.12, installments=12,
                                 next_cycles=1, cycle_growth=0.2)], 25)
    assert cycles["loan_disbursements"][[0, 12]].tolist() == [1200, 1440]


def test_bad_terms_are_all_named():
    with pytest.raises(ValidationError) as e:
        Loan(name="x", principal=1000, annual_rate=0.1, installments=4, disbursement_month=2,
             tranches=[Tranche(month=1, amount=2000)],
             prepayments=[Prepayment(month=40, amount=1)],
             reschedule=Reschedule(month=1, installments=3))
    text = str(e.value)
    for path in ("tranches", "tranches[0].month", "prepayments[0].month", "reschedule.month"):
        assert path in text


# ---- properties ------------------------------------------------------------------------------

events = st.fixed_dictionaries({
    "tranches": st.lists(st.builds(Tranche, month=st.integers(1, 11),
                                   amount=st.floats(1, 200)), max_size=2),
    "prepayments": st.lists(st.builds(Prepayment, month=st.integers(1, 12),
                                      amount=st.one_of(st.none(), st.floats(1, 500))),
                            max_size=2),
    "installment_changes": st.lists(st.builds(InstallmentChange, period=st.integers(1, 12),
                                              amount=st.floats(0, 800)), max_size=2),
    "down_payment_rate": st.sampled_from([0.0, 0.1, 0.25]),
})


@settings(max_examples=150, deadline=None)
@given(principal=st.floats(1000, 1e6), rate=st.floats(0, 0.6),
       method=st.sampled_from(["declining_balance", "flat"]),
       amort=st.sampled_from(["equal_installments", "equal_principal", "bullet"]),
       extra=events, multiple=st.sampled_from([None, 1, 10]))
def test_principal_repaid_equals_principal_disbursed(principal, rate, method, amort, extra,
                                                     multiple):
    loan = Loan(name="x", principal=principal, annual_rate=rate, installments=12,
                interest_method=method, amortization=amort, installment_multiple_of=multiple,
                **extra)
    s = schedule(loan)
    first, down = opening(loan)
    assert first + s.disbursed.sum() == pytest.approx(principal, abs=1e-6)
    assert down + s.down_payment.sum() + s.principal.sum() == pytest.approx(principal, abs=1e-6)
    assert s.balance.iloc[-1] == 0
    assert (s.principal >= 0).all() and (s.interest >= 0).all() and (s.balance >= 0).all()


@settings(max_examples=150, deadline=None)
@given(principal=st.floats(1000, 1e6), rate=st.floats(0, 0.6), n=st.integers(2, 24),
       method=st.sampled_from(["declining_balance", "flat"]),
       amort=st.sampled_from(["equal_installments", "equal_principal", "bullet"]),
       month=st.integers(1, 24), amount=st.one_of(st.none(), st.floats(1, 1e6)))
def test_a_prepayment_never_raises_total_interest(principal, rate, n, method, amort, month,
                                                  amount):
    base = Loan(name="x", principal=principal, annual_rate=rate, installments=n,
                interest_method=method, amortization=amort)
    prepaid = base.model_copy(update={"prepayments": [
        Prepayment(month=min(month, n), amount=amount)]})
    # one rounding unit per installment is the most a re-amortised schedule may shift
    assert schedule(prepaid).interest.sum() <= schedule(base).interest.sum() + 0.01 * n


def test_apr_of_a_tranche_loan_counts_each_release_when_it_comes():
    # a zero-interest loan released in two halves repays exactly what was released: APR 0
    loan = Loan(name="x", principal=1000, annual_rate=0, installments=4,
                tranches=[Tranche(month=2, amount=500)])
    assert apr(loan) == pytest.approx(0, abs=1e-12)
    assert np.isclose(schedule(loan).principal.sum(), 1000)


# ---- the command line and scenario overrides take the new terms ----------------------------


def test_cli_loan_takes_tranches_prepayments_and_changes(capsys):
    from engine.cli import main
    code = main(["loan", "--principal", "1000", "--annual-rate", "0.12", "--installments", "4",
                 "--tranches", "[{month=2, amount=400}]", "--json"])
    data = __import__("json").loads(capsys.readouterr().out)
    assert code == 0
    # the tranche schedule computed by hand in test_tranche_schedule_by_hand
    assert [r["payment"] for r in data["schedule"]] == [153.77, 153.77, 356.77, 356.77]
    assert [r["disbursed"] for r in data["schedule"]] == [0, 400, 0, 0]
    code = main(["loan", "--principal", "1000", "--annual-rate", "0.12", "--installments", "4",
                 "--installment-changes", "[{period=2, amount=500}]",
                 "--prepayments", "[{month=9}]"])
    err = capsys.readouterr().err
    assert code == 2 and "--prepayments[0].month" in err and "Traceback" not in err


def test_set_path_edits_a_scenario_loan_tranches():
    import engine
    from engine.io import with_overrides
    base = engine.load_scenario("modhupur_pineapple")
    s = with_overrides(base, {"loans.sibl_1.tranches": [{"month": 5, "amount": 200000}]})
    loan = next(x for x in s.loans if x.name == "sibl_1")
    assert loan.tranches == [Tranche(month=5, amount=200000)]
    flows = monthly_flows([loan.model_copy(update={"disbursement_date": date(2001, 3, 1)})], 12)
    assert flows["loan_disbursements"][[2, 5]].tolist() == [300000, 200000]


def test_cli_loan_totals_cover_every_contract(capsys):
    # 1,200 with a 10% down payment (120): 1,080 over 4 months, 270 a month; topped up in month
    # 2 with 1,000: the 540 left is refinanced into 1,540 (no down payment on a refinance).
    # Lent over both contracts 1,200 + 1,540 = 2,740, all of it repaid.
    from engine.cli import main
    code = main(["loan", "--principal", "1200", "--annual-rate", "0.12", "--installments", "4",
                 "--amortization", "equal_principal", "--down-payment-rate", "0.1",
                 "--top-up", "{month=2, amount=1000}"])
    out = capsys.readouterr().out
    assert code == 0
    assert "over 2 contract(s) lent 2,740.00: principal 2,740.00" in out
