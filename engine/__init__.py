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

__all__ = [
    "Problem", "Projection", "Scenario", "ScenarioError", "dump_scenario", "load_scenario",
    "params", "parse_scenario", "preset_names", "project", "with_overrides",
]
