"""Golden monthly tables per preset: a regression guard (not evidence of correctness; the
reference-model tests are). Regenerate only on purpose: `make golden`, then review the diff."""

import pandas as pd
import pytest

import engine
from engine.projection import MONTHLY_COLUMNS

GOLDEN = __import__("pathlib").Path(__file__).parent / "golden"


@pytest.mark.parametrize("name", engine.preset_names())
def test_golden_monthly_table(name, regen_golden):
    p = engine.project(engine.load_scenario(name))
    current = p.monthly[["date", *MONTHLY_COLUMNS, "cash_balance_without_subsidy"]].round(4)
    path = GOLDEN / f"{name}.csv"
    if regen_golden:
        current.to_csv(path, float_format="%.4f")
        pytest.skip(f"rewrote {path.name}")
    golden = pd.read_csv(path, index_col="month")
    pd.testing.assert_frame_equal(current, golden, check_dtype=False, check_index_type=False,
                                  atol=1e-3, rtol=0)
