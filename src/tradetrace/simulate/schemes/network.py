"""Schemes 4-6: a listed end user behind an intermediary, one model through many
intermediaries, and rerouted goods at marked-up prices."""

from __future__ import annotations

from tradetrace.simulate.registry import Product
from tradetrace.simulate.schemes.base import Json, Plant, Planted, date, latin_person
from tradetrace.simulate.schemes.hubs import hub_firm, pick
from tradetrace.simulate.timeline import from_day, iso
from tradetrace.simulate.vocab import yaml_data


def listed_end_user(plant: Plant) -> Planted:
    """Scheme 4: a new Russian intermediary paid by a listed plant whose officer directs it."""
    cfg = yaml_data("schemes.yaml")["listed"]
    rng = plant.rng
    end_user = plant.listed(cfg["end_user_ent_num"], cfg["end_user_cyrillic"])
    it = cfg["intermediary"]
    inter = plant.ru_firm(
        it["name"],
        it["latin"],
        it["city"],
        role="intermediary",
        incorporated=it["incorporated"],
        industry="electronics",
    )
    d = cfg["director"]
    director = plant.person(d["name"], d["country"], [d["latin"], latin_person(d["name"])])
    plant.reg.relate(
        director.entity_id,
        inter.entity_id,
        "director",
        role="General Director",
        start_date=it["incorporated"],
    )
    plant.reg.relate(
        director.entity_id, inter.entity_id, "owner", share_pct=100.0, start_date=it["incorporated"]
    )
    plant.reg.relate(
        director.entity_id, end_user.entity_id, "officer", role=cfg["officer_role"], start_date="2016-02-01"
    )
    mk, cn = cfg["maker"], cfg["cn_maker"]
    maker = plant.firm(
        mk["country"],
        mk["name"],
        variants=[mk["name"], mk["name"].upper()],
        industry="electronics",
        role="supplier",
        brand=mk["brand"],
    )
    chips = [plant.product(maker, mk["brand"], model, hs) for hs, model in mk["products"]]
    cn_maker = plant.firm(
        "CN",
        cn["name"],
        variants=[cn["name"], cn["name"].upper(), cn["script"]],
        aliases=[cn["script"]],
        industry="machine_tools",
        role="supplier",
        brand=cn["brand"],
    )
    machines = [plant.product(cn_maker, cn["brand"], model, hs) for hs, model in cn["products"]]
    supplier = hub_firm(plant, cfg["suppliers"][0], "electronics", incorporated="2015-04-09")
    goods_usd = 0
    c0, c1 = cfg.get("chips_period", ["2022-09-05", "2024-06-28"])
    for day in plant.days(c0, c1, 14):
        prod = pick(rng, chips)
        qty = plant.normal_qty(prod)
        usd = plant.normal_value(prod, qty, 1.5)
        goods_usd += usd
        plant.ship("listed", day, inter, supplier, prod, usd, qty, origin=maker.country, currency="USD")
    for day in plant.days("2022-10-03", "2024-09-27", 8):
        prod = pick(rng, machines)
        qty = 1.0
        usd = plant.normal_value(prod, qty)
        goods_usd += usd
        plant.ship(
            "listed", day, inter, cn_maker, prod, usd, qty, currency="CNY" if rng.random() < 0.6 else "USD"
        )
    pay_days = plant.days("2022-10-17", "2024-08-30", 9)
    for i, day in enumerate(pay_days):
        share = goods_usd * 13 // 10 // len(pay_days)
        plant.pay(
            "listed:payment",
            day,
            end_user,
            inter,
            int(share * rng.uniform(0.8, 1.2)),
            f"Оплата по договору № {14 + i}/П-{from_day(day):%y} за электронные компоненты и оборудование, "
            "в т.ч. НДС 20%",
        )

    def truth() -> Json:
        e = plant.sdn[cfg["end_user_ent_num"]]
        return {
            "scheme_id": "listed_end_user_via_intermediary",
            "typology": "A listed end user sources controlled goods through a new intermediary that it "
            "pays and whose director is one of its own officers",
            "description": f"{inter.name.primary}, incorporated {it['incorporated']}, imports "
            f"{maker.country} chips via {supplier.country} and Chinese CNC machines; it is paid by {e.name} (OFAC SDN), whose officer "
            f"{director.name} is its general director.",
            "expected_flags": [
                "SANCTIONED_NETWORK",
                "MILITARY_END_USE",
                "RESTRICTED_GOODS",
                "TRANSSHIPMENT_HUB",
                "NEW_INTERMEDIARY",
            ],
            "entities": [
                plant.entity(inter, "intermediary"),
                plant.entity(end_user, "end_user", listed=True, list_ref=f"ofac-sdn:{e.ent_num}"),
                plant.entity(director, "related_party"),
                plant.entity(supplier, "intermediary"),
                plant.entity(maker, "supplier"),
                plant.entity(cn_maker, "supplier"),
            ],
            "record_ids": plant.rids("listed"),
            "payment_record_ids": plant.payment_rids("listed:payment"),
            "facts": {
                "end_user_ent_num": e.ent_num,
                "end_user_list_name": e.name,
                "end_user_tax_id": e.tax_id,
                "director": director.name,
                "officer_role": cfg["officer_role"],
            },
        }

    return Planted("listed_end_user_via_intermediary", "scheme", truth)


def same_model(plant: Plant) -> Planted:
    """Scheme 5: one EU oscilloscope model reaching Russia via six new intermediaries."""
    cfg = yaml_data("schemes.yaml")["identity"]
    rng = plant.rng
    mk = cfg["maker"]
    maker = plant.firm(
        mk.get("country", "DE"),
        mk["name"],
        variants=[mk["name"], mk["name"].upper(), mk.get("short", "Helmbrecht Messtechnik")],
        address=mk["address"],
        industry=mk.get("industry", "instruments"),
        role="supplier",
        brand=mk["brand"],
    )
    main = plant.product(maker, mk["brand"], mk["model"], mk["hs"], 1.2)
    alt = plant.product(maker, mk["brand"], mk["model"].replace("-", ""), mk["hs"], 1.2)
    pre_buyers = [
        plant.ru_firm(b["name"], b["latin"], b["city"], role="importer", industry="instruments")
        for b in cfg["pre_buyers"]
    ]
    for i, day in enumerate(plant.days("2019-03-04", "2021-12-17", 8)):
        qty = float(rng.integers(1, 4))
        plant.ship(
            "identity:pre",
            day,
            pre_buyers[i % 2],
            maker,
            main,
            plant.normal_value(main, qty),
            qty,
            currency="EUR",
            mfr_var=0,
        )
    inters = [hub_firm(plant, h, "instruments") for h in cfg["intermediaries"]]
    buyers = [
        plant.ru_firm(b["name"], b["latin"], b["city"], role="importer", industry="instruments")
        for b in cfg["buyers"]
    ]
    k = 0
    for j, inter in enumerate(inters):
        start = max(iso(inter.incorporated or "2022-06-01") + 40, iso("2022-09-01"))
        for day in plant.days(date(start), "2024-11-29", int(rng.integers(3, 6))):
            qty = float(rng.integers(1, 5))
            prod = alt if rng.random() < 0.2 else main
            buyer = buyers[(j + k) % len(buyers)]
            k += int(rng.random() < 0.5)
            plant.ship(
                "identity:post",
                day,
                buyer,
                inter,
                prod,
                plant.normal_value(prod, qty, 1.5),
                qty,
                origin=maker.country,
                currency="USD" if rng.random() < 0.7 else "EUR",
            )

    def truth() -> Json:
        return {
            "scheme_id": "same_model_many_intermediaries",
            "typology": "The same brand and model arrives through many new intermediaries in hub countries",
            "description": f"{mk['brand']} {mk['model']} (HS {mk['hs'][:6]}) from "
            f"{maker.name.primary} reach {len(buyers)} Russian buyers via {len(inters)} traders in "
            f"{', '.join(i.country for i in inters)}, all incorporated after February 2022.",
            "expected_flags": ["GOODS_IDENTITY", "NEW_INTERMEDIARY", "TRANSSHIPMENT_HUB", "RESTRICTED_GOODS"],
            "entities": [plant.entity(maker, "supplier")]
            + [plant.entity(i, "intermediary") for i in inters]
            + [plant.entity(b, "importer") for b in buyers],
            "record_ids": plant.rids("identity:post"),
            "payment_record_ids": [],
            "facts": {
                "brand": mk["brand"],
                "model": mk["model"],
                "model_variants": [main.model, alt.model],
                "hs_code": mk["hs"],
                "intermediary_countries": sorted({i.country for i in inters}),
                "pre_restriction_record_ids": plant.rids("identity:pre"),
            },
        }

    return Planted("same_model_many_intermediaries", "scheme", truth)


def price_markup(plant: Plant) -> Planted:
    """Scheme 6: Japanese bearings via Kyrgyzstan and Armenia at two to four times the norm."""
    cfg = yaml_data("schemes.yaml")["markup"]
    rng = plant.rng
    mk = cfg["maker"]
    maker = plant.firm(
        mk.get("country", "JP"),
        mk["name"],
        variants=[mk["name"], mk["name"].upper()],
        address=mk["address"],
        industry=mk.get("industry", "bearings"),
        role="supplier",
        brand=mk["brand"],
    )
    prods: list[Product] = [plant.product(maker, mk["brand"], model, hs, 1.3) for hs, model in mk["products"]]
    base = [hub_firm(plant, b, "bearings", role="importer") for b in cfg["baseline_buyers"]]
    pb = cfg["pre_buyer"]
    pre_buyer = plant.ru_firm(pb["name"], pb["latin"], pb["city"], role="importer", industry="bearings")
    qb = cfg["post_buyer"]
    post_buyer = plant.ru_firm(qb["name"], qb["latin"], qb["city"], role="importer", industry="bearings")
    norm: dict[int, float] = {p.idx: p.goods.price_usd * p.price_factor for p in prods}
    for i, day in enumerate(plant.days("2019-02-04", "2024-12-13", 18)):
        prod, qty = pick(rng, prods), float(rng.integers(200, 1500))
        plant.ship(
            "markup:baseline",
            day,
            base[i % len(base)],
            maker,
            prod,
            plant.normal_value(prod, qty),
            qty,
            currency=mk.get("currency", "JPY") if rng.random() < 0.5 else "USD",
        )
    for day in plant.days("2019-03-01", "2022-02-28", 6):
        prod, qty = pick(rng, prods), float(rng.integers(200, 1500))
        plant.ship(
            "markup:baseline", day, pre_buyer, maker, prod, plant.normal_value(prod, qty), qty, currency="USD"
        )
    inters = [hub_firm(plant, h, "bearings") for h in cfg["intermediaries"]]
    factors = []
    p0, p1 = cfg.get("post_period", ["2022-06-06", "2024-10-25"])
    for i, day in enumerate(plant.days(p0, p1, 14)):
        prod, qty = pick(rng, prods), float(rng.integers(150, 900))
        f = float(rng.uniform(2.2, 3.8))
        factors.append(f)
        plant.ship(
            "markup:post",
            day,
            post_buyer,
            inters[i % len(inters)],
            prod,
            round(norm[prod.idx] * f * qty * 100),
            qty,
            origin=maker.country,
            currency="USD" if rng.random() < 0.5 else "RUB",
        )

    def truth() -> Json:
        return {
            "scheme_id": "price_markup",
            "typology": "Rerouted goods priced far above market (unit values 2-4x the norm for the HS6 and origin)",
            "description": f"{mk['brand']} goods (origin {maker.country}) reach {post_buyer.name.primary} via "
            f"{' and '.join(i.country for i in inters)} at 2.2-3.8 times the unit values of the maker's "
            "direct sales.",
            "expected_flags": ["PRICE_ANOMALY", "TRANSSHIPMENT_HUB", "RESTRICTED_GOODS"],
            "entities": [plant.entity(post_buyer, "importer"), plant.entity(maker, "supplier")]
            + [plant.entity(i, "intermediary") for i in inters],
            "record_ids": plant.rids("markup:post"),
            "payment_record_ids": [],
            "facts": {
                "baseline_record_ids": plant.rids("markup:baseline"),
                "norm_unit_usd": {p.model: round(norm[p.idx], 2) for p in prods},
                "markup_range": [round(min(factors), 2), round(max(factors), 2)],
            },
        }

    return Planted("price_markup", "scheme", truth)
