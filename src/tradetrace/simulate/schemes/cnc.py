"""Scheme 1, the defining case: a Taiwanese CNC maker's goods rerouted via China and Turkey."""

from __future__ import annotations

from typing import Any

import numpy as np

from tradetrace.simulate.registry import Firm, Product
from tradetrace.simulate.schemes.base import Json, Plant, Planted, date, latin_person, split_total
from tradetrace.simulate.timeline import from_day, iso
from tradetrace.simulate.translit import fold_cp1251, ru_latin, tr_upper
from tradetrace.simulate.vocab import goods_by_hs6, yaml_data

SCHEME_ID = "cnc_taiwan_reroute"
RESTRICTION = "2023-01-01"
SWITCH = "2023-05-26"
DIRECT_2023_C = 447_000_000  # USD cents
REROUTED_C = 1_780_000_000
N_DIRECT, N_REROUTED = 16, 47
MACHINES = ("845710", "845811", "845891", "845961")
FLAGS = [
    "ROUTE_SWITCH",
    "TRANSSHIPMENT_HUB",
    "RESTRICTED_GOODS",
    "RELATED_PARTIES",
    "SANCTIONED_NETWORK",
    "MILITARY_END_USE",
    "MISDECLARATION",
]
PURPOSES = [
    "Оплата по договору поставки № {n}/{yy}-С от {d} за металлообрабатывающее оборудование, в т.ч. НДС 20%",
    "Предоплата по договору № {n}/{yy} за станки с ЧПУ, в т.ч. НДС 20%",
    "Оплата по счету № {n} от {d} за оборудование и пусконаладочные работы, в т.ч. НДС 20%",
    "Оплата по договору № {n}-ТО/{yy} за поставку обрабатывающих центров, в т.ч. НДС 20%",
]


def defence_plant(plant: Plant, name: str) -> Firm:
    core = name.split("«", 1)[-1].replace("»", "").replace("«", "")
    latin = f"{ru_latin(core).upper()} JSC"
    return plant.ru_firm(name, latin, role="payer", industry="defence")


def build(plant: Plant) -> Planted:
    cfg = yaml_data("schemes.yaml")["cnc"]
    rng = plant.rng
    m, im = cfg["maker"], cfg["importer"]
    maker = plant.firm(
        "TW",
        m["name"],
        variants=m["variants"],
        aliases=[m["script"]],
        address=m["address"],
        incorporated=m["incorporated"],
        phone=m["phone"],
        website=m["website"],
        email="sales@" + m["website"].removeprefix("www."),
        industry="machine_tools",
        role="supplier",
        brand=cfg["brand"],
    )
    importer = plant.firm(
        "RU",
        im["name"],
        variants=im["variants"],
        aliases=[im["latin"], im["full"]],
        address=im["address"],
        incorporated=im["incorporated"],
        phone=im["phone"],
        website=im["website"],
        email="info@" + im["website"].removeprefix("www."),
        industry="machine_tools",
        role="importer",
    )
    hubs = []
    for h in cfg["hubs"]:
        script = h.get("script")
        if script:
            variants = [h["name"], h["name"].upper(), script]
        else:
            variants = [h["name"], fold_cp1251(tr_upper(h["name"]))]
        hubs.append(
            plant.firm(
                h["country"],
                h["name"],
                variants=variants,
                aliases=[script] if script else [],
                address=h["address"],
                industry="machine_tools",
                role="intermediary",
                incorporated=f"{int(rng.integers(2008, 2019))}-0{int(rng.integers(1, 10))}-1{int(rng.integers(0, 9))}",
            )
        )

    cache: dict[tuple[str, str, str], Product] = {}

    def product(hs6: str, brand: str = cfg["brand"]) -> Product:
        tnved = goods_by_hs6()[hs6].tnved
        hs10 = tnved[int(rng.integers(len(tnved)))]
        models = cfg["models"][hs6]
        model = models[int(rng.integers(len(models)))]
        key = (hs10, model, brand)
        if key not in cache:
            cache[key] = plant.product(maker, brand, model, hs10)
        return cache[key]

    def machine_line(tag: str, day: int, exp: Firm, usd_c: int, parts: bool, **kw: Any) -> None:
        qty = 2 if usd_c > 40_000_000 else 1
        hs6 = "846693" if parts else MACHINES[int(rng.integers(len(MACHINES)))]
        net = qty * float(rng.uniform(3500, 9000))
        plant.ship(
            tag,
            day,
            importer,
            exp,
            product(hs6, kw.pop("brand", cfg["brand"])),
            usd_c,
            qty,
            net_kg=net,
            origin="TW",
            **kw,
        )

    # 2019-2022: long-term direct cooperation, machines and some genuine spare parts
    for day in plant.days("2019-02-01", "2022-12-20", 34):
        cur = "USD" if rng.random() < 0.75 else "EUR"
        if rng.random() < 0.2:
            prod = product("846693")
            qty = float(rng.integers(2, 40))
            plant.ship(
                "cnc:pre",
                day,
                importer,
                maker,
                prod,
                plant.normal_value(prod, qty),
                qty,
                currency=cur,
                exp_tax=bool(rng.random() < 0.5),
                origin="TW",
            )
        else:
            usd = int(rng.uniform(12_000_000, 33_000_000)) * (1 + int(rng.random() < 0.3))
            machine_line("cnc:pre", day, maker, usd, False, currency=cur, exp_tax=bool(rng.random() < 0.5))
    # January to May 2023: direct, some lines declared as parts at machine values
    amounts = split_total(rng, DIRECT_2023_C, N_DIRECT, 15_000_000, 48_000_000)
    parts = set(int(i) for i in rng.choice(N_DIRECT, size=4, replace=False))
    for i, (day, usd) in enumerate(
        zip(plant.days("2023-01-10", "2023-05-25", N_DIRECT, last=SWITCH), amounts, strict=True)
    ):
        machine_line(
            "cnc:direct2023", day, maker, usd, i in parts, currency="USD", exp_tax=bool(rng.random() < 0.5)
        )
    # June 2023 onwards: via China and Turkey, the maker still declared as manufacturer
    amounts = split_total(rng, REROUTED_C, N_REROUTED, 18_000_000, 70_000_000)
    hub_of = np.concatenate(
        [
            np.arange(len(hubs)).repeat(3),
            rng.choice(len(hubs), N_REROUTED - 3 * len(hubs), p=[0.24, 0.22, 0.2, 0.18, 0.16]),
        ]
    )
    rng.shuffle(hub_of)
    parts = set(int(i) for i in rng.choice(N_REROUTED, size=11, replace=False))
    brands = cfg["brand_variants"]
    for i, (day, usd) in enumerate(
        zip(plant.days("2023-06-05", "2024-11-29", N_REROUTED), amounts, strict=True)
    ):
        hub = hubs[int(hub_of[i])]
        cur = (
            ("USD" if rng.random() < 0.7 else "CNY")
            if hub.country == "CN"
            else ("USD" if rng.random() < 0.6 else "EUR")
        )
        brand = brands[int(rng.choice(len(brands), p=[0.55, 0.2, 0.15, 0.1]))]
        machine_line(
            "cnc:rerouted",
            day,
            hub,
            usd,
            i in parts,
            currency=cur,
            brand=brand,
            mfr_var=int(rng.integers(0, len(maker.name.variants))),
        )

    # people: the maker's sales director was a 30% co-owner of the importer until 2015
    sd, gd = cfg["sales_director"], cfg["general_director"]
    director = plant.person(sd["name"], sd["country"], [sd["script"]])
    general = plant.person(gd["name"], gd["country"], [gd["latin"], latin_person(gd["name"])])
    reg = plant.reg
    reg.relate(
        director.entity_id, maker.entity_id, "employee", role="Sales Director", start_date="2009-08-01"
    )
    reg.relate(
        director.entity_id,
        importer.entity_id,
        "owner",
        share_pct=30.0,
        start_date="2011-03-15",
        end_date="2015-10-02",
    )
    reg.relate(
        general.entity_id,
        importer.entity_id,
        "owner",
        share_pct=70.0,
        start_date="2011-03-15",
        end_date="2015-10-02",
    )
    reg.relate(general.entity_id, importer.entity_id, "owner", share_pct=100.0, start_date="2015-10-02")
    reg.relate(
        general.entity_id, importer.entity_id, "director", role="General Director", start_date="2011-03-15"
    )
    reg.relate(
        general.entity_id, director.entity_id, "associate", role="business partner; visits to the maker"
    )

    payers, listed_info = _payers(plant, importer)

    def truth() -> Json:
        direct = plant.tagged("cnc:direct2023")
        rer = plant.tagged("cnc:rerouted")
        pre = plant.tagged("cnc:pre")
        used_hubs = sorted({hubs_by_idx[ln.exp].country for ln in rer})
        pays = [p for p in plant.payments if p.tag == "cnc:payment"]
        ents = [plant.entity(importer, "importer"), plant.entity(maker, "supplier")]
        ents += [plant.entity(h, "intermediary") for h in hubs]
        ents += [
            plant.entity(
                director,
                "related_party",
                relation="former 30% co-owner of the importer; the maker's sales director",
            ),
            plant.entity(general, "related_party", relation="general director of the importer"),
        ]
        ents += [plant.entity(f, "payer", listed=f.role == "listed") for f in payers]
        return {
            "scheme_id": SCHEME_ID,
            "typology": "Route switch after an export restriction: direct supply from the maker stops, "
            "the same brand reaches the same buyer via exporters in China and Turkey",
            "description": f"{maker.name.primary} (TW) supplied CNC machine tools directly to its namesake "
            f"{importer.name.primary} until {SWITCH}; from June 2023 the machines came via China and "
            "Turkey with the maker still declared. Over 40 defence plants, several on the OFAC SDN list, "
            "paid the importer in January to July 2023.",
            "expected_flags": FLAGS,
            "entities": ents,
            "record_ids": plant.rids("cnc"),
            "payment_record_ids": plant.payment_rids("cnc:payment"),
            "route_switch": {
                "supplier": maker.name.primary,
                "supplier_entity_id": maker.entity_id,
                "brand": cfg["brand"],
                "origin": "TW",
                "buyer_name": importer.name.primary,
                "buyer_tax_id": importer.tax_id,
                "restriction_date": RESTRICTION,
                "switch_date": date(max(ln.day for ln in direct)),
                "first_rerouted_date": date(min(ln.day for ln in rer)),
                "direct_before_usd": sum(ln.usd_c for ln in direct) / 100,
                "rerouted_after_usd": sum(ln.usd_c for ln in rer) / 100,
                "shipments": len(direct) + len(rer),
                "hubs": used_hubs,
            },
            "facts": {
                "record_ids_since_restriction": sorted(
                    plant.rids("cnc:direct2023") + plant.rids("cnc:rerouted")
                ),
                "direct_record_ids": plant.rids("cnc:direct2023"),
                "rerouted_record_ids": plant.rids("cnc:rerouted"),
                "pre_restriction_record_ids": plant.rids("cnc:pre"),
                "pre_restriction_direct_usd": sum(ln.usd_c for ln in pre) / 100,
                "parts_declared_record_ids": sorted(
                    ln.rid for ln in direct + rer if ln.prod in parts_prods()
                ),
                "parts_hs6": "846693",
                "payers": len(payers),
                "listed_payers": listed_info,
                "payments_total_usd": sum(p.usd_c for p in pays) / 100,
                "payments_period": [date(min(p.day for p in pays)), date(max(p.day for p in pays))],
                "former_owner": {"name": director.name, "share_pct": 30.0, "end_date": "2015-10-02"},
                "general_director": general.name,
            },
        }

    hubs_by_idx = {h.idx: h for h in hubs} | {maker.idx: maker}

    def parts_prods() -> set[int]:
        return {p.idx for p in cache.values() if p.hs10.startswith("846693")}

    return Planted(SCHEME_ID, "scheme", truth)


def _payers(
    plant: Plant,
    importer: Firm,
    tag: str = "cnc:payment",
    total_c: tuple[int, int, int] = (8_000_000_000, 150_000_000, 600_000_000),
    period: tuple[str, str] = ("2023-01-09", "2023-07-31"),
) -> tuple[list[Firm], list[Json]]:
    """Defence plants (listed ones first) pay the importer: by default over 40 plants, $80M+ in
    January to July 2023 (the defining case); total_c is (base, extra low, extra high) in cents."""
    cfg = yaml_data("schemes.yaml")
    purposes: list[str] = cfg.get("payment_purposes", PURPOSES)
    rng = plant.rng
    payers: list[Firm] = []
    written: list[str | None] = []
    info: list[Json] = []
    for entry in cfg["listed_payers"]:
        if entry["ent_num"] not in plant.sdn:
            continue
        e = plant.sdn[entry["ent_num"]]
        firm = plant.listed(entry["ent_num"], entry["cyrillic"])
        name = {"primary": e.name, "alias": (e.aliases or [e.name])[0]}.get(entry["write"])
        payers.append(firm)
        written.append(name)
        info.append(
            {
                "ent_num": e.ent_num,
                "list_name": e.name,
                "tax_id": e.tax_id,
                "entity_id": firm.entity_id,
                "written_as": name or entry["cyrillic"],
            }
        )
    for name in cfg["defence_plants"]:
        payers.append(defence_plant(plant, name))
        written.append(None)
    weights = rng.lognormal(0, 0.8, len(payers))
    weights[0] *= 3  # the S-400 maker is the largest customer
    total = total_c[0] + int(rng.integers(total_c[1], total_c[2]))
    shares = np.floor(weights / weights.sum() * total).astype(np.int64)
    shares[0] += total - int(shares.sum())
    start, end = iso(period[0]), iso(period[1])
    for firm, name, share in zip(payers, written, shares, strict=True):
        n = int(rng.integers(1, 5))
        parts = split_total(rng, int(share), n, int(share) // (3 * n), int(share))
        for usd in parts:
            day = int(rng.integers(start, end + 1))
            tmpl = purposes[int(rng.integers(len(purposes)))]
            purpose = tmpl.format(
                n=int(rng.integers(10, 400)),
                yy="23" if rng.random() < 0.7 else "22",
                d=f"{from_day(day - int(rng.integers(5, 90))):%d.%m.%Y}",
            )
            plant.pay(tag, day, firm, importer, usd, purpose, payer_name=name)
    return payers, info
