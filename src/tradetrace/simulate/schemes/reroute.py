"""A partial route switch (family b): a maker's controlled goods go via hubs after the rule,
its uncontrolled goods keep coming directly; defence plants, some listed, pay the importer."""

from __future__ import annotations

from typing import Any

from tradetrace.simulate.registry import Firm, Product
from tradetrace.simulate.schemes.base import Json, Plant, Planted, date, latin_person, split_total
from tradetrace.simulate.schemes.cnc import _payers
from tradetrace.simulate.schemes.hubs import hub_firm
from tradetrace.simulate.timeline import iso
from tradetrace.simulate.vocab import yaml_data

FLAGS = [
    "ROUTE_SWITCH",
    "TRANSSHIPMENT_HUB",
    "RESTRICTED_GOODS",
    "RELATED_PARTIES",
    "SANCTIONED_NETWORK",
    "MILITARY_END_USE",
]


def _firm(plant: Plant, d: dict[str, Any], country: str, role: str, industry: str, brand: str = "") -> Firm:
    return plant.firm(
        country,
        d["name"],
        variants=d.get("variants") or [d["name"], d["name"].upper()],
        aliases=d.get("aliases", []),
        address=d.get("address"),
        incorporated=d.get("incorporated"),
        website=d.get("website"),
        industry=industry,
        role=role,
        brand=brand,
    )


def build(plant: Plant) -> Planted:
    cfg = yaml_data("schemes.yaml")["reroute"]
    rng = plant.rng
    scheme_id = cfg["scheme_id"]
    mk, im = cfg["maker"], cfg["importer"]
    industry = cfg["industry"]
    maker = _firm(plant, mk, mk["country"], "supplier", industry, brand=cfg["brand"])
    importer = plant.ru_firm(
        im["name"],
        im["latin"],
        im["city"],
        role="importer",
        industry=industry,
        incorporated=im["incorporated"],
    )
    hubs = [hub_firm(plant, h, industry) for h in cfg["hubs"]]
    controlled = [plant.product(maker, cfg["brand"], m, hs, 1.2) for hs, m in cfg["products"]["controlled"]]
    free = [plant.product(maker, cfg["brand"], m, hs, 1.2) for hs, m in cfg["products"]["uncontrolled"]]

    def line(tag: str, day: int, exp: Firm, prods: list[Product], factor: float, **kw: Any) -> None:
        prod = prods[int(rng.integers(len(prods)))]
        qty = plant.normal_qty(prod)
        plant.ship(
            tag,
            day,
            importer,
            exp,
            prod,
            plant.normal_value(prod, qty, factor),
            qty,
            origin=maker.country,
            **kw,
        )

    p0, p1, n_pre = cfg["direct"]
    for day in plant.days(p0, p1, n_pre, last=p1):
        line("reroute:direct", day, maker, controlled + free, 1.0, currency="EUR", mfr_var=0)
    q0, q1, n_post = cfg["still_direct"]
    for day in plant.days(q0, q1, n_post):
        line("reroute:still_direct", day, maker, free, 1.0, currency="EUR", mfr_var=0)
    r0, r1, n_rer = cfg["rerouted"]
    amounts = split_total(rng, int(cfg["rerouted_usd"]) * 100, n_rer, 1_500_000, 60_000_000)
    for i, (day, usd) in enumerate(zip(plant.days(r0, r1, n_rer), amounts, strict=True)):
        hub = hubs[i % len(hubs)] if i < len(hubs) else hubs[int(rng.integers(len(hubs)))]
        prod = controlled[int(rng.integers(len(controlled)))]
        qty = max(1.0, round(usd / (prod.goods.price_usd * prod.price_factor * 1.3 * 100)))
        cur = "USD" if rng.random() < 0.6 else ("RUB" if hub.country in ("KZ", "KG", "AM") else "EUR")
        plant.ship("reroute:rerouted", day, importer, hub, prod, usd, qty, origin=maker.country, currency=cur)

    fm, gd = cfg["former_manager"], cfg["general_director"]
    manager = plant.person(fm["name"], fm["country"], fm.get("aliases", []))
    general = plant.person(gd["name"], gd["country"], [gd["latin"], latin_person(gd["name"])])
    reg = plant.reg
    reg.relate(manager.entity_id, maker.entity_id, "employee", role=fm["role"], start_date=fm["employed"][0],
               end_date=fm["employed"][1])  # fmt: skip
    reg.relate(manager.entity_id, importer.entity_id, "owner", share_pct=float(fm["share_pct"]),
               start_date=im["incorporated"], end_date=fm["owner_until"])  # fmt: skip
    reg.relate(
        general.entity_id,
        importer.entity_id,
        "director",
        role="General Director",
        start_date=im["incorporated"],
    )
    reg.relate(general.entity_id, importer.entity_id, "owner", share_pct=100.0, start_date=fm["owner_until"])
    pay = cfg["payments"]
    payers, listed_info = _payers(
        plant, importer, "reroute:payment", (int(pay["total_usd"]) * 100, 0, 90_000_000), tuple(pay["period"])
    )
    controlled_idx = {p.idx for p in controlled}

    def truth() -> Json:
        direct = [ln for ln in plant.tagged("reroute:direct") if ln.prod in controlled_idx]
        recent = [ln for ln in direct if ln.day >= iso(cfg["restriction"]) - 365]
        rer = plant.tagged("reroute:rerouted")
        pays = [p for p in plant.payments if p.tag == "reroute:payment"]
        ents = [plant.entity(importer, "importer"), plant.entity(maker, "supplier")]
        ents += [plant.entity(h, "intermediary") for h in hubs]
        ents += [plant.entity(manager, "related_party", relation=fm["relation"])]
        ents += [plant.entity(general, "related_party", relation="general director of the importer")]
        ents += [plant.entity(f, "payer", listed=f.role == "listed") for f in payers]
        return {
            "scheme_id": scheme_id,
            "typology": "Partial route switch after a restriction: the maker's controlled goods reach "
            "the same buyer via hubs, its uncontrolled goods keep coming directly",
            "description": f"{maker.name.primary} ({maker.country}) supplied {cfg['brand']} instruments directly "
            f"to {importer.name.primary} until {p1}; from {r0} its controlled models came via "
            f"{', '.join(h.country for h in hubs)} while uncontrolled ones still came directly. Its former "
            f"manager owned {fm['share_pct']}% of the importer until {fm['owner_until']}; defence plants, "
            "some on the OFAC SDN list, paid the importer.",
            "expected_flags": FLAGS,
            "entities": ents,
            "record_ids": plant.rids("reroute"),
            "payment_record_ids": plant.payment_rids("reroute:payment"),
            "route_switch": {
                "supplier": maker.name.primary,
                "supplier_entity_id": maker.entity_id,
                "brand": cfg["brand"],
                "origin": maker.country,
                "buyer_name": importer.name.primary,
                "buyer_tax_id": importer.tax_id,
                "restriction_date": cfg["restriction"],
                "switch_date": date(max(ln.day for ln in direct)),
                "first_rerouted_date": date(min(ln.day for ln in rer)),
                "direct_before_usd": sum(ln.usd_c for ln in recent) / 100,
                "rerouted_after_usd": sum(ln.usd_c for ln in rer) / 100,
                "shipments": len(recent) + len(rer),
                "hubs": sorted({h.country for h in hubs}),
                "partial": True,
            },
            "facts": {
                "direct_record_ids": plant.rids("reroute:direct"),
                "still_direct_record_ids": plant.rids("reroute:still_direct"),
                "rerouted_record_ids": plant.rids("reroute:rerouted"),
                "controlled_hs": sorted({p.hs10 for p in controlled}),
                "uncontrolled_hs": sorted({p.hs10 for p in free}),
                "payers": len(payers),
                "listed_payers": listed_info,
                "payments_total_usd": sum(p.usd_c for p in pays) / 100,
                "former_owner": {
                    "name": manager.name,
                    "share_pct": fm["share_pct"],
                    "end_date": fm["owner_until"],
                },
            },
        }

    return Planted(scheme_id, "scheme", truth)
