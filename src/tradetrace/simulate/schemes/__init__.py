"""Planted schemes (with ground truth) and decoys."""

from __future__ import annotations

from tradetrace.simulate.schemes import cnc, decoys, hubs, network
from tradetrace.simulate.schemes.base import Plant, Planted


def plant_all(plant: Plant) -> list[Planted]:
    """Plant every scheme and decoy into the registry; returns them in a fixed order."""
    out = [
        cnc.build(plant),
        hubs.electronics(plant),
        hubs.fronts(plant),
        network.listed_end_user(plant),
        network.same_model(plant),
        network.price_markup(plant),
    ]
    return out + decoys.build(plant)
