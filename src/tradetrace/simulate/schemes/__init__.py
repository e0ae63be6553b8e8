"""Planted schemes (with ground truth) and decoys."""

from __future__ import annotations

from collections.abc import Callable

from tradetrace.simulate.schemes import cnc, decoys, hubs, network, reroute
from tradetrace.simulate.schemes.base import Plant, Planted
from tradetrace.simulate.vocab import yaml_data

BUILDERS: dict[str, Callable[[Plant], Planted]] = {
    "cnc": cnc.build,
    "reroute": reroute.build,
    "electronics": hubs.electronics,
    "fronts": hubs.fronts,
    "listed_end_user": network.listed_end_user,
    "same_model": network.same_model,
    "price_markup": network.price_markup,
}


def plant_all(plant: Plant) -> list[Planted]:
    """Plant the current family's schemes (world.yaml `planted`) and decoys; fixed order."""
    out = [BUILDERS[name](plant) for name in yaml_data("world.yaml")["planted"]]
    return out + decoys.build(plant)
