"""Synthetic customs trade with planted evasion schemes and ground truth.

from tradetrace.simulate import simulate
summary = simulate(Path("out"), rows=200_000, seed=7, formats=("csv", "parquet", "ru-dt"))
"""

from tradetrace.simulate.api import SimulationSummary, simulate

__all__ = ["SimulationSummary", "simulate"]
