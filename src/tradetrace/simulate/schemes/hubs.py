"""Schemes 2 and 3: CHPL electronics rerouted via hubs, and front companies sharing an address."""

from __future__ import annotations

import numpy as np

from tradetrace.simulate.registry import Firm, Product
from tradetrace.simulate.schemes.base import Json, Plant, Planted, date
from tradetrace.simulate.timeline import iso
from tradetrace.simulate.translit import fold_cp1251, tr_upper
from tradetrace.simulate.vocab import yaml_data

RESTRICTION_US = "2022-02-24"


def hub_firm(
    plant: Plant,
    h: dict[str, str],
    industry: str,
    role: str = "intermediary",
    incorporated: str | None = None,
    phone: str | None = None,
    email: str | None = None,
) -> Firm:
    """An intermediary from a config entry: Latin or Cyrillic name, address, incorporation date."""
    name = h["name"]
    if h.get("latin"):
        latin = h["latin"]
        core = name.split("«", 1)[-1].rstrip("»")
        short = name.split(" ", 1)[0]
        variants = [f'{short} "{core}"', latin, f"{short} {core.upper()}"]
        aliases = [latin]
    else:
        variants = [name, fold_cp1251(tr_upper(name) if h["country"] == "TR" else name.upper(), german=True)]
        aliases = []
    return plant.firm(
        h["country"],
        name,
        variants=variants,
        aliases=aliases,
        address=h.get("address"),
        incorporated=incorporated or h.get("incorporated"),
        industry=industry,
        role=role,
        phone=phone,
        email=email,
    )


def _value(plant: Plant, prod: Product, factor: float = 1.0) -> tuple[float, int]:
    qty = plant.normal_qty(prod)
    return qty, plant.normal_value(prod, qty, factor)


def electronics(plant: Plant) -> Planted:
    """Scheme 2: a US electronics brand, direct before 2022-03, then via AE, HK and KZ."""
    cfg = yaml_data("schemes.yaml")["electronics"]
    rng = plant.rng
    mk = cfg["maker"]
    origin = mk.get("country", "US")
    restriction = cfg.get("restriction", RESTRICTION_US)
    d0, d1 = cfg.get("direct", ["2020-01-13", "2022-02-18"])
    r0, r1 = cfg.get("rerouted", ["2022-06-14", "2024-10-31"])
    n_direct, n_rerouted = cfg.get("lines", [21, 36])
    maker = plant.firm(
        origin,
        mk["name"],
        variants=[mk["name"], mk["name"].upper().replace(".", ""), mk["name"].replace(" Inc.", ", Inc.")],
        address=mk["address"],
        incorporated="2004-06-11",
        industry="electronics",
        role="supplier",
        brand=mk["brand"],
    )
    products = [plant.product(maker, mk["brand"], p["model"], p["hs"], 1.6) for p in cfg["products"]]
    b = cfg["buyer"]
    buyer = plant.ru_firm(b["name"], b["latin"], b["city"], role="importer", industry="electronics")
    hubs = [hub_firm(plant, h, "electronics") for h in cfg["hubs"]]
    for day in plant.days(d0, d1, n_direct, last=d1):
        prod = products[int(rng.integers(len(products)))]
        qty, usd = _value(plant, prod)
        plant.ship("chpl:direct", day, buyer, maker, prod, usd, qty, currency="USD", mfr_var=0)
    rng_hub = rng.choice(len(hubs), size=n_rerouted)
    for i, day in enumerate(plant.days(r0, r1, n_rerouted)):
        hub = hubs[int(rng_hub[i])]
        prod = products[int(rng.integers(len(products)))]
        qty, usd = _value(plant, prod, 1.25)
        cur = "USD" if rng.random() < 0.6 else ("CNY" if hub.country == "HK" else "RUB")
        plant.ship("chpl:rerouted", day, buyer, hub, prod, usd, qty, currency=cur, origin=origin)

    def truth() -> Json:
        direct, rer = plant.tagged("chpl:direct"), plant.tagged("chpl:rerouted")
        hub_text = ", ".join(sorted({h.country for h in hubs}))
        return {
            "scheme_id": "chpl_electronics_hubs",
            "typology": f"Route switch of CHPL tier 1-3 electronics: direct from {origin} before the "
            f"restriction, then via hubs ({hub_text}) with the brand and {origin} origin declared",
            "description": f"{buyer.name.primary} bought {mk['brand']} electronics directly from "
            f"{maker.name.primary} until {d1} and from {r0} through traders in {hub_text}.",
            "expected_flags": ["ROUTE_SWITCH", "TRANSSHIPMENT_HUB", "RESTRICTED_GOODS"],
            "entities": [plant.entity(buyer, "importer"), plant.entity(maker, "supplier")]
            + [plant.entity(h, "intermediary") for h in hubs],
            "record_ids": plant.rids("chpl"),
            "payment_record_ids": [],
            "route_switch": {
                "supplier": maker.name.primary,
                "supplier_entity_id": maker.entity_id,
                "brand": mk["brand"],
                "origin": origin,
                "buyer_name": buyer.name.primary,
                "buyer_tax_id": buyer.tax_id,
                "restriction_date": restriction,
                "switch_date": date(max(ln.day for ln in direct)),
                "first_rerouted_date": date(min(ln.day for ln in rer)),
                "direct_before_usd": sum(ln.usd_c for ln in direct) / 100,
                "rerouted_after_usd": sum(ln.usd_c for ln in rer) / 100,
                "shipments": len(direct) + len(rer),
                "hubs": sorted({h.country for h in hubs}),
            },
            "facts": {
                "direct_record_ids": plant.rids("chpl:direct"),
                "rerouted_record_ids": plant.rids("chpl:rerouted"),
                "direct_period": [date(min(ln.day for ln in direct)), date(max(ln.day for ln in direct))],
                "hs_codes": sorted({p.hs10 for p in products}),
            },
        }

    return Planted("chpl_electronics_hubs", "scheme", truth)


def fronts(plant: Plant) -> Planted:
    """Scheme 3: three new intermediaries (HK, AE, TR) at one address ship CHPL goods."""
    cfg = yaml_data("schemes.yaml")["fronts"]
    rng = plant.rng
    shared = cfg["shared_address"]
    companies = [
        hub_firm(plant, {**c, "address": shared}, "electronics", phone=cfg["shared_phone"], email=c["email"])
        for c in cfg["companies"]
    ]
    nominee = plant.person(cfg["nominee"]["name"], cfg["nominee"]["country"])
    for c in companies[:2]:
        plant.reg.relate(
            nominee.entity_id, c.entity_id, "director", role="Director", start_date=c.incorporated
        )
    products: list[Product] = []
    makers = []
    for m in cfg["makers"]:
        maker = plant.firm(
            m["country"],
            m["name"],
            variants=[m["name"], m["name"].upper()],
            industry="electronics",
            role="supplier",
            brand=m["brand"],
        )
        makers.append(maker)
        products += [plant.product(maker, m["brand"], model, hs) for hs, model in m["products"]]
    buyers = [
        plant.ru_firm(b["name"], b["latin"], b["city"], role="importer", industry="electronics")
        for b in cfg["buyers"]
    ]
    for i, day in enumerate(plant.days("2022-08-22", "2024-12-20", 45)):
        open_ = [c for c in companies if iso(c.incorporated or "2022-01-01") + 45 <= day]
        front = open_[int(rng.integers(len(open_)))] if open_ else companies[0]
        prod = products[int(rng.integers(len(products)))]
        qty, usd = _value(plant, prod, 1.4)
        buyer = buyers[i % len(buyers)] if rng.random() < 0.5 else buyers[int(rng.integers(len(buyers)))]
        plant.ship(
            "fronts", day, buyer, front, prod, usd, qty, currency="USD" if rng.random() < 0.7 else "EUR"
        )

    def truth() -> Json:
        return {
            "scheme_id": "front_company_hubs",
            "typology": f"Front companies: intermediaries in {', '.join(c.country for c in companies)} "
            "incorporated after 24 Feb 2022, sharing one address and phone, ship CHPL goods of "
            f"{', '.join(sorted({m.country for m in makers}))} brands to Russia",
            "description": f"{len(companies)} recently incorporated traders at one address ({shared}) "
            f"supply Western-brand goods to {len(buyers)} Russian buyers.",
            "expected_flags": [
                "NEW_INTERMEDIARY",
                "TRANSSHIPMENT_HUB",
                "RESTRICTED_GOODS",
                "RELATED_PARTIES",
            ],
            "entities": [plant.entity(c, "intermediary") for c in companies]
            + [plant.entity(b, "importer") for b in buyers]
            + [plant.entity(m, "supplier") for m in makers]
            + [plant.entity(nominee, "related_party", relation="director of two of the front companies")],
            "record_ids": plant.rids("fronts"),
            "payment_record_ids": [],
            "facts": {
                "shared_address": shared,
                "shared_phone": cfg["shared_phone"],
                "incorporation_dates": {c.name.primary: c.incorporated for c in companies},
                "origins": sorted({p.origin for p in products}),
            },
        }

    return Planted("front_company_hubs", "scheme", truth)


def pick(rng: np.random.Generator, items: list[Product]) -> Product:
    return items[int(rng.integers(len(items)))]
