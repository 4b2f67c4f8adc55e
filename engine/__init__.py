"""subsidy-exit engine: scenarios, the batched cash-flow projection and its metrics.

Pure Python with numpy, pandas, numpy-financial and pydantic; never imports the UI.
"""

import engine.fields  # noqa: F401  (sets the labels and units on the models' fields)
from engine.errors import Problem, ScenarioError
from engine.io import (
    dump_scenario,
    load_scenario,
    params,
    parse_scenario,
    preset_names,
    with_overrides,
)
from engine.projection import Projection, project
from engine.scenario import Scenario


def read_workbook(data: bytes, file: str | None = None) -> Scenario:
    """A filled input workbook (XLSX bytes) as a scenario; problems named by sheet, row and
    column (engine/workbook.py; openpyxl is imported only when a workbook is read)."""
    from engine.workbook import read_workbook as read
    return read(data, file)


def write_workbook(scenario: Scenario | None = None) -> bytes:
    """The scenario as an input workbook (XLSX bytes); without one, a blank template."""
    from engine.workbook import write_workbook as write
    return write(scenario)


__all__ = [
    "Problem", "Projection", "Scenario", "ScenarioError", "dump_scenario", "load_scenario",
    "params", "parse_scenario", "preset_names", "project", "read_workbook", "with_overrides",
    "write_workbook",
]
