"""Hard negatives: patterns that look like evasion at first sight but are not."""

from __future__ import annotations

from typing import Any

from tradetrace.simulate.registry import Firm
from tradetrace.simulate.schemes.base import Json, Plant, Planted
from tradetrace.simulate.schemes.hubs import hub_firm
from tradetrace.simulate.vocab import goods_by_hs6, yaml_data

KINDS = {
    "stop": "supplier_stopped_no_replacement",
    "both": "direct_and_distributor_throughout",
    "uncontrolled_switch": "hub_switch_uncontrolled_goods",
    "china_own": "chinese_own_brand_machine_tools",
}


def _maker(plant: Plant, d: dict[str, Any], country: str) -> Firm:
    script = d.get("script")
    variants = [d["maker"], d["maker"].upper()] + ([script] if script else [])
    industry = goods_by_hs6()[d["hs"][:6]].industry
    return plant.firm(
        country,
        d["maker"],
        variants=variants,
        aliases=[script] if script else [],
        industry=industry,
        role="supplier",
        brand=d["brand"],
    )


def _lines(
    plant: Plant, tag: str, days: list[int], buyer: Firm, exp: Firm, d: dict[str, Any], **kw: Any
) -> None:
    maker = kw.pop("maker")
    prod = plant.product(maker, d["brand"], d["model"], d["hs"])
    for day in days:
        qty = plant.normal_qty(prod)
        plant.ship(tag, day, buyer, exp, prod, plant.normal_value(prod, qty), qty, origin=maker.country, **kw)


def build(plant: Plant) -> list[Planted]:
    cfg = yaml_data("schemes.yaml")["decoys"]
    out: list[Planted] = []
    for kind, items in cfg.items():
        for n, d in enumerate(items):
            tag = f"decoy:{kind}:{n}"
            country = d.get("country", "CN")
            maker = _maker(plant, d, country)
            buyer = plant.ru_firm(d["buyer"], d["buyer_latin"], industry=maker.industry, role="importer")
            parties = [plant.entity(buyer, "importer"), plant.entity(maker, "supplier")]
            if kind == "stop":
                _lines(
                    plant,
                    tag,
                    plant.days("2019-01-21", d["stop"], 16, last=d["stop"]),
                    buyer,
                    maker,
                    d,
                    maker=maker,
                )
                text = (
                    f"{maker.name.primary} ({country}) supplied controlled goods (HS {d['hs'][:6]}) directly "
                    f"to {buyer.name.primary} until {d['stop']}; afterwards no shipments of the brand "
                    "reach the buyer by any route."
                )
            elif kind == "both":
                dist = hub_firm(
                    plant,
                    {"name": d["distributor"], "country": d["distributor_country"]},
                    "trading",
                    role="distributor",
                    incorporated="2009-05-04",
                )
                parties.append(plant.entity(dist, "intermediary"))
                _lines(plant, tag, plant.days("2019-01-14", "2024-12-06", 14), buyer, maker, d, maker=maker)
                _lines(plant, tag, plant.days("2019-02-11", "2024-11-22", 14), buyer, dist, d, maker=maker)
                text = (
                    f"{buyer.name.primary} always received {d['brand']} goods (HS {d['hs'][:6]}, not "
                    f"controlled) both directly and via {dist.name.primary} "
                    f"({d['distributor_country']}), before and after 2022: no switch."
                )
            elif kind == "uncontrolled_switch":
                hub = hub_firm(
                    plant,
                    {"name": d["hub"], "country": d["hub_country"], "latin": d.get("hub_latin", "")},
                    "trading",
                    incorporated="2012-03-19",
                )
                parties.append(plant.entity(hub, "intermediary"))
                _lines(
                    plant,
                    tag,
                    plant.days("2019-01-28", d["stop"], 10, last=d["stop"]),
                    buyer,
                    maker,
                    d,
                    maker=maker,
                )
                _lines(plant, tag, plant.days("2022-07-04", "2024-11-29", 10), buyer, hub, d, maker=maker)
                text = (
                    f"{buyer.name.primary} switched from {maker.name.primary} to the {d['hub_country']} "
                    f"trader {hub.name.primary} for goods that are not controlled (HS {d['hs'][:6]}), "
                    f"origin {country} declared throughout."
                )
            else:
                _lines(
                    plant,
                    tag,
                    plant.days("2019-01-09", "2024-12-18", 20),
                    buyer,
                    maker,
                    d,
                    maker=maker,
                    currency="CNY",
                )
                text = (
                    f"{maker.name.primary} ships its own-brand, Chinese-origin machine tools (HS "
                    f"{d['hs'][:6]}) to {buyer.name.primary} throughout 2019-2024: no Western origin, no switch."
                )
            out.append(_decoy(plant, KINDS[kind], tag, text, parties))
    return out


def _decoy(plant: Plant, kind: str, tag: str, text: str, parties: list[Json]) -> Planted:
    def truth() -> Json:
        return {"kind": kind, "description": text, "entities": parties, "record_ids": plant.rids(tag)}

    return Planted(tag, "decoy", truth)
