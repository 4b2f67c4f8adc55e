"""Every reported quantity, batched: each function takes (n, T) monthly arrays (a dict `m` as
`simulate` returns it) and returns (n,) or (n, T). Each quantity is computed here and only here;
the pipeline, projection, batches, stress tables, Monte Carlo, portfolios, planner and report
all read it from this module. Definitions and sources: docs/methodology.md.
"""

from __future__ import annotations

import numpy as np

WINDOW = 12
"""Months in a trailing window (DSCR, OSS, FSS)."""
SEASON = 3
"""Months in a season (seasonal DSCR): a quarter."""
TOLERANCE = 1e-9
"""Taka: cash within this of the reserve counts as at the reserve."""

Monthly = dict[str, np.ndarray]


# ---- running totals -----------------------------------------------------------------------------

def running(ufunc: np.ufunc, a: np.ndarray, reverse: bool = False) -> np.ndarray:
    """`ufunc.accumulate` along the last axis (np.add: cumulative sums; np.minimum: running
    lows), from the last month backwards when `reverse`.

    An (n, T) array laid out month-major (the transpose of a C-ordered (T, n) array, as Monte
    Carlo keeps its paths) is accumulated month by month over contiguous rows, several times
    faster than numpy's accumulate along a strided axis; the result is the same to the bit (the
    same operations in the same order) and is laid out the same way.

    >>> running(np.minimum, np.array([[3.0, 1.0, 2.0]]), reverse=True)
    array([[1., 1., 2.]])
    """
    rows = a.T
    if a.ndim != 2 or a.shape[0] < 2 or not rows.flags.c_contiguous:
        if reverse:
            return np.flip(ufunc.accumulate(np.flip(a, axis=-1), axis=-1), axis=-1)
        return ufunc.accumulate(a, axis=-1)
    out = np.empty(rows.shape, dtype=np.result_type(rows, rows))
    order = range(rows.shape[0] - 1, -1, -1) if reverse else range(rows.shape[0])
    prev = None
    for t in order:
        if prev is None:
            out[t] = rows[t]
        else:
            ufunc(out[prev], rows[t], out=out[t])
        prev = t
    return out.T


# ---- windows and ratios -----------------------------------------------------------------------

def window_sum(a: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """Sum over the last `window` months including this one; NaN until the first full window
    (a partial window at the start is not a trailing-12-month figure).

    >>> window_sum(np.array([1.0, 2.0, 3.0, 4.0]), 3)
    array([nan, nan,  6.,  9.])
    """
    c = running(np.add, a)
    out = np.full(c.shape, np.nan)
    if c.shape[-1] >= window:
        out[..., window - 1] = c[..., window - 1]
        out[..., window:] = c[..., window:] - c[..., :-window]
    return out


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den == 0 or either is NaN.

    >>> ratio(np.array([1.0, 1.0, np.nan]), np.array([2.0, 0.0, 1.0]))
    array([0.5, nan, nan])
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1.0), np.nan)


def lowest(values: np.ndarray, where: np.ndarray) -> np.ndarray:
    """(n,) row-wise minimum of `values` over the months where `where` holds; NaN if none.

    >>> lowest(np.array([[3.0, 1.0, 2.0]]), np.array([[True, False, True]]))
    array([2.])
    """
    low = np.where(where & ~np.isnan(values), values, np.inf).min(axis=-1)
    return np.where(np.isfinite(low), low, np.nan)


def first_month_from_which(ok: np.ndarray) -> np.ndarray:
    """First month from which `ok` (n, T) holds through the last month; -1 where it never does.

    >>> first_month_from_which(np.array([[False, True, False, True, True]]))
    array([3])
    """
    T = ok.shape[-1]
    holds_to_end = np.flip(np.cumprod(np.flip(ok, axis=-1), axis=-1), axis=-1).astype(bool)
    first = np.argmax(holds_to_end, axis=-1)
    return np.where(holds_to_end[..., T - 1], first, -1)


def first_true(ok: np.ndarray) -> np.ndarray:
    """(n,) index of the first True of each row; -1 where there is none."""
    return np.where(ok.any(axis=-1), np.argmax(ok, axis=-1), -1)


def suffix_min_from(values: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Row-wise min of values[i, t] over t >= start[i] (inf when start is past the end)."""
    t = np.arange(values.shape[-1])
    return np.where(t[None, :] >= start[:, None], values, np.inf).min(axis=-1)


# ---- expenses and self-sufficiency (SEEP/CGAP) --------------------------------------------------

def group_expenses(m: Monthly) -> np.ndarray:
    """Operating and financial expenses the group itself pays: commissions, variable and fixed
    costs, its own share of services, interest (loans and credit line) and loan fees."""
    return (m["commissions"] + m["variable_costs"] + m["fixed_costs"] + m["service_cost_group"]
            + m["interest"] + m["loan_fees"])


def full_cost_expenses(m: Monthly) -> np.ndarray:
    """The group's expenses with every subsidised service at its full cost."""
    return group_expenses(m) + m["service_subsidy"]


def net_monetary_assets(m: Monthly) -> np.ndarray:
    """Cash + receivables - loans outstanding - credit-line balance, at each month's end: the
    group's equity less its (non-monetary) fixed assets, which inflation erodes."""
    return (m["cash_balance"] + m["receivables"] - loans_outstanding(m)
            - m["credit_line_balance"])


def inflation_adjustment(m: Monthly, annual_rate: np.ndarray) -> np.ndarray:
    """(n, T) the cost of keeping the real value of the group's net monetary assets: monthly
    inflation x those assets at the month's end, 0 where they are negative (SEEP Framework's
    inflation adjustment, equity less net fixed assets)."""
    rate = np.asarray(annual_rate, dtype=float).reshape(-1, 1) / 12
    return rate * np.maximum(net_monetary_assets(m), 0.0)


def oss_12m(m: Monthly) -> np.ndarray:
    """Operational self-sufficiency (SEEP/CGAP), trailing 12 full months: operating income /
    (operating + financial expenses the group itself pays)."""
    return ratio(window_sum(m["sales_revenue"]), window_sum(group_expenses(m)))


def fss_12m(m: Monthly) -> np.ndarray:
    """Financial self-sufficiency (SEEP/CGAP), trailing 12 full months: operating income / (the
    group's expenses + the cost of the subsidies it receives (services at full cost,
    concessional interest at the market rate) + the inflation adjustment)."""
    adjusted = (group_expenses(m) + m["service_subsidy"] + m["interest_subsidy_row"]
                + m["inflation_adjustment"])
    return ratio(window_sum(m["sales_revenue"]), window_sum(adjusted))


def full_cost_ratio_12m(m: Monthly) -> np.ndarray:
    """Operating income over expenses with every subsidised service at its full cost, trailing
    12 full months (no financial-cost or inflation adjustment): could the group pay for all its
    services today?"""
    return ratio(window_sum(m["sales_revenue"]), window_sum(full_cost_expenses(m)))


def month_ratio_stays_at_least(ratio_12m: np.ndarray, level: float = 1.0) -> np.ndarray:
    """(n,) first month from which a trailing ratio stays >= level to the end; -1: never."""
    return first_month_from_which(ratio_12m >= level)


def subsidy_to_sales(m: Monthly, months: int) -> np.ndarray:
    """(n,) total subsidy / total sales revenue over the first `months` months (NaN without
    sales). A plain ratio, not Yaron's subsidy dependence index."""
    return ratio(m["subsidy"][..., :months].sum(axis=-1),
                 m["sales_revenue"][..., :months].sum(axis=-1))


# ---- debt service coverage ---------------------------------------------------------------------

def cash_available_for_debt_service(m: Monthly) -> np.ndarray:
    """Operating cash flow after the members' drawings (their household draw)."""
    return m["operating_cash_flow"] - m["members_drawings"]


def dscr_monthly(m: Monthly) -> np.ndarray:
    """Cash available for debt service / debt service, each month (NaN without debt service)."""
    return ratio(cash_available_for_debt_service(m), m["debt_service"])


def loan_period(m: Monthly) -> np.ndarray:
    """(n, T) True from the first to the last month with debt service (installments, interest,
    fees): the months whose trailing DSCR windows a lender reads. (A window ending before the
    first debt service has none, so its DSCR is undefined either way.)

    >>> loan_period({"debt_service": np.array([[0, 0, 1.0, 0, 2.0, 0]])})
    array([[False, False,  True,  True,  True, False]])
    """
    due = m["debt_service"] > 0
    first = first_true(due)
    last = due.shape[-1] - 1 - first_true(np.flip(due, axis=-1))
    t = np.arange(due.shape[-1])
    return (t[None, :] >= first[:, None]) & (t[None, :] <= last[:, None]) \
        & np.asarray(due.any(axis=-1))[:, None]


def dscr_window(m: Monthly, window: int) -> np.ndarray:
    """Trailing DSCR over full windows of `window` months ending in the loan period
    (`loan_period`): NaN in partial windows at the start, in windows ending after the last
    installment (a window holding the last few installments and months of cash after them is
    not a coverage a lender reads) and where there is no debt service (undefined, not zero).

    >>> m = {"operating_cash_flow": np.array([[4.0, 4, 4, 4, -8]]),
    ...      "members_drawings": np.zeros((1, 5)),
    ...      "debt_service": np.array([[0.0, 2, 2, 2, 0]])}
    >>> dscr_window(m, 2)   # (4+4)/2, (4+4)/4, (4+4)/4; the window ending in month 4 is after
    array([[nan,  4.,  2.,  2., nan]])
    """
    dscr = ratio(window_sum(cash_available_for_debt_service(m), window),
                 window_sum(m["debt_service"], window))
    return np.where(loan_period(m), dscr, np.nan)


def dscr_12m(m: Monthly) -> np.ndarray:
    """Trailing-12-month DSCR, full windows ending in the loan period only."""
    return dscr_window(m, WINDOW)


def dscr_seasonal(m: Monthly) -> np.ndarray:
    """Trailing-quarter DSCR, full windows ending in the loan period only: the lean season a
    yearly figure averages away."""
    return dscr_window(m, SEASON)


def dscr_annual(m: Monthly) -> np.ndarray:
    """(n, years) DSCR of each full year counted from the start (months 12k .. 12k + 11)."""
    years = m["debt_service"].shape[-1] // WINDOW
    cut = years * WINDOW

    def by_year(a: np.ndarray) -> np.ndarray:
        return a[..., :cut].reshape(*a.shape[:-1], years, WINDOW).sum(axis=-1)

    return ratio(by_year(cash_available_for_debt_service(m)), by_year(m["debt_service"]))


def min_dscr(dscr: np.ndarray, start: int | np.ndarray = 0) -> np.ndarray:
    """(n,) lowest DSCR from month `start` on, over months where it is defined; NaN if none."""
    t = np.arange(dscr.shape[-1])
    return lowest(dscr, t[None, :] >= np.asarray(start).reshape(-1, 1))


def min_dscr_12m(m: Monthly) -> np.ndarray:
    """(n,) lowest trailing-12-month DSCR over the loan period (full windows ending from the
    first disbursement to the last installment: the lender's figure, and the one
    loan_capacity.loan_verdict judges); NaN without debt service."""
    return min_dscr(dscr_12m(m))


def min_dscr_seasonal(m: Monthly) -> np.ndarray:
    """(n,) lowest trailing-quarter DSCR over the loan period; NaN without debt service."""
    return min_dscr(dscr_seasonal(m))


# ---- cash, loans, working capital ---------------------------------------------------------------

def min_cash_balance(m: Monthly) -> np.ndarray:
    """(n,) lowest month-end cash over the whole simulation."""
    return np.asarray(m["cash_balance"].min(axis=-1))


def reserve_kept_from(m: Monthly, reserve: np.ndarray) -> np.ndarray:
    """(n,) first month from which cash stays at or above the reserve to the last simulated
    month, with the support as planned; -1: never (the group is on its feet from then).

    >>> reserve_kept_from({"cash_balance": np.array([[5.0, 1.0, 6.0, 7.0]])}, np.array([5.0]))
    array([2])
    """
    reserve = np.asarray(reserve, dtype=float).reshape(-1, 1)
    return first_month_from_which(m["cash_balance"] >= reserve - TOLERANCE)


def loans_outstanding(m: Monthly) -> np.ndarray:
    """(n, T) principal lent and not yet repaid at each month's end."""
    return np.cumsum(m["loan_disbursements"] - m["principal"], axis=-1)


def cash_short_at_installment(m: Monthly) -> np.ndarray:
    """(n,) True where cash is below zero in a month with debt service."""
    return np.asarray(((m["cash_balance"] < -TOLERANCE) & (m["debt_service"] > 0)).any(axis=-1))


def peak_working_capital(m: Monthly) -> np.ndarray:
    """Deepest cumulative deficit of operating cash flow less investments, before any financing
    (opening cash, loans, member capital); 0 if it never goes below zero."""
    cum = np.cumsum(m["operating_cash_flow"] - m["investments"], axis=-1)
    return np.maximum(0.0, -cum.min(axis=-1)) + 0.0


def member_income_12m(m: Monthly) -> np.ndarray:
    """(n, T) average monthly income per member over the trailing 12 full months."""
    return window_sum(m["member_income_per_member"]) / WINDOW


def herfindahl(revenue_by_buyer: np.ndarray) -> float | None:
    """Herfindahl index of revenue shares (1.0 = one buyer takes everything).

    >>> herfindahl(np.array([3.0, 1.0]))
    0.625
    """
    total = revenue_by_buyer.sum()
    if total <= 0:
        return None
    s = revenue_by_buyer / total
    return float((s * s).sum())


# ---- exit month ---------------------------------------------------------------------------------

def lowest_cash_after_exit(net_with: np.ndarray, net_without: np.ndarray, opening: np.ndarray,
                           candidates: int) -> np.ndarray:
    """(n, candidates) lowest cash from month M on when every subsidy ends at M, from the two
    rows' net cash flows (valid when no month's flows depend on cash or on M):

        min over t >= M of cash_M(t) = opening + (C_with - C_without)(M - 1)
                                        + min over t >= M of C_without(t),

    C being cumulative net cash flows (before M the row has its subsidies, from M on not).

    >>> lowest_cash_after_exit(np.array([[5.0, 5.0, 5.0]]), np.array([[-1.0, -1.0, -1.0]]),
    ...                        np.array([0.0]), 3)
    array([[-3.,  3.,  9.]])
    """
    c_with, c_without = np.cumsum(net_with, axis=-1), np.cumsum(net_without, axis=-1)
    n = c_with.shape[0]
    carried = np.concatenate([np.zeros((n, 1)), (c_with - c_without)[:, :-1]], axis=-1)
    suffix_min = np.flip(np.minimum.accumulate(np.flip(c_without, axis=-1), axis=-1), axis=-1)
    return (opening[:, None] + carried + suffix_min)[:, :candidates]


def counterfactual_cash(net_with: np.ndarray, net_without: np.ndarray, opening: float,
                        candidates: int) -> np.ndarray:
    """(candidates, T) cash balance [M, t] when every subsidy ends at month M, from one row's
    net cash flows with and without subsidy (same validity as `lowest_cash_after_exit`)."""
    T = net_with.shape[-1]
    t = np.arange(T)
    before = t[None, :] < np.arange(candidates)[:, None]
    return opening + np.cumsum(np.where(before, net_with, net_without), axis=-1)


def exit_month(safe: np.ndarray) -> np.ndarray:
    """(n,) the exit month: the first candidate M whose counterfactual is safe; -1: none."""
    return first_true(safe)
