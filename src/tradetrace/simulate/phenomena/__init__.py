"""Background phenomena: named, parameterised generators of innocent trade that looks suspicious.

Each phenomenon is documented in ``data/phenomena.yaml`` (rates with their source or the
assumption behind them) and in docs/simulator.md. Its firms, links, rows and payments are
ordinary background; truth.json lists them under ``background`` so that findings on them can
be told apart from planted schemes.
"""

from __future__ import annotations

from typing import Any

from tradetrace.simulate.vocab import yaml_data

NAMES = (
    "mass_registration",
    "namesakes",
    "lawful_restricted_trade",
    "third_country_invoicing",
    "long_standing_hub_suppliers",
    "new_firms_after_2022",
    "civilian_plants_paying",
    "lawful_price_outliers",
    "missing_fields",
)
BIT = {name: 1 << i for i, name in enumerate(NAMES)}
# link groups with their own share of background rows (0 is ordinary trade)
GROUP = {name: i + 1 for i, name in enumerate(NAMES)}


def config() -> dict[str, Any]:
    """The phenomena configuration of the current family."""
    data: dict[str, Any] = yaml_data("phenomena.yaml")
    return data


def value(name: str, key: str) -> Any:
    """The value of one parameter of a phenomenon."""
    return config()[name][key]["value"]


__all__ = ["BIT", "GROUP", "NAMES", "config", "value"]
