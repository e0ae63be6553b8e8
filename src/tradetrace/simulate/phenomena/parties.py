"""Phenomena of parties: mass-registration addresses, namesakes, civilian plants that pay importers."""

from __future__ import annotations

import numpy as np

from tradetrace.simulate import addresses
from tradetrace.simulate.addresses import Address
from tradetrace.simulate.firms import add_people, make_firm, weighted
from tradetrace.simulate.links import Build, PayPlan, draw_links, respect_controls
from tradetrace.simulate.names import FirmName, NameBook, _cn_word, cn_name, fixed_name, tr_name
from tradetrace.simulate.phenomena import BIT, GROUP, config, value
from tradetrace.simulate.phenomena.labels import Labels
from tradetrace.simulate.registry import Firm
from tradetrace.simulate.timeline import END, START, to_day
from tradetrace.simulate.translit import fold_cp1251, ru_latin
from tradetrace.simulate.vocab import yaml_data


class StockNames:
    """Names of CN, HK and TR trading firms built on a stock word that a few unrelated firms share."""

    def __init__(self, book: NameBook, rng: np.random.Generator, labels: Labels) -> None:
        self.book, self.rng, self.labels = book, rng, labels
        self.share = float(value("namesakes", "stock_share"))
        self.size: list[int] = value("namesakes", "stock_group_size")
        self.current: dict[str, tuple[tuple[str, str], int]] = {}
        self.word: tuple[str, str] | None = None

    def name(self, country: str, industry: str) -> FirmName | None:
        """A stock-word name for a trading firm, or None (an ordinary name) for most firms."""
        self.word = None
        if country not in ("CN", "HK", "TR") or self.rng.random() >= self.share:
            return None
        family = "tr" if country == "TR" else "cn"
        word, left = self.current.get(family, (("", ""), 0))
        if left <= 0:
            if family == "tr":
                words = yaml_data("names_world.yaml")["tr"]["words"]
                w = str(words[int(self.rng.integers(len(words)))])
                word = (w, w)
            else:
                drawn = None
                while drawn is None:
                    drawn = _cn_word(self.rng, yaml_data("names_world.yaml")["cn"]["chars"], taiwan=False)
                word = drawn
            left = int(self.rng.integers(self.size[0], self.size[1] + 1))
        self.current[family] = (word, left - 1)
        try:
            if family == "tr":
                out = tr_name(self.rng, "stock", self.book, stock=word[0])
            else:
                out = cn_name(self.rng, "stock", self.book, region=country, word=word)
        except RuntimeError:  # every combination of the word is taken: an ordinary name
            return None
        self.word = word
        return out

    def label(self, firm: Firm) -> None:
        if self.word is not None:
            self.labels.entity("namesakes", firm, "exporter", stock_word=self.word[1])


def _city(text: str) -> str:
    return text.split(", г. ", 1)[1].split(",", 1)[0] if ", г. " in text else ""


def _copy(name: FirmName) -> FirmName:
    return FirmName(name.primary, list(name.variants), list(name.variants_cp), list(name.aliases), name.brand)


def namesakes(b: Build) -> None:
    """Russian importers with the same name as another (other INN, city and trade), and their links."""
    reg, rng, cfg = b.reg, b.rng, yaml_data("world.yaml")
    ru = [i for i in b.importers if reg.firms[i].country == "RU"]
    n_groups = max(2, round(len(ru) * float(value("namesakes", "ru_share"))))
    lo, hi = value("namesakes", "group_size")
    cities = [c["city"] for c in yaml_data("names_ru.yaml")["cities"]]
    group, bit = GROUP["namesakes"], BIT["namesakes"]
    groups: list[list[Firm]] = []
    for g, pos in enumerate(sorted(int(i) for i in rng.choice(len(ru), n_groups, replace=False))):
        orig = reg.firms[ru[pos]]
        members = [orig]
        used = {_city(orig.address.text)}
        for k in range(int(rng.integers(lo, hi + 1)) - 1):
            city = str(rng.choice([c for c in cities if c not in used]))
            used.add(city)
            industry = weighted(rng, cfg["importer_industries"])
            firm = make_firm(
                reg,
                b.book,
                rng,
                "RU",
                industry,
                "importer",
                name=_copy(orig.name),
                key=f"RU:{orig.name.primary}:namesake:{k + 1}",
                address=addresses.ru_address(rng, city),
            )
            firm.role = f"importer:{industry}"
            firm.website = firm.email = None  # the namesake's web name belongs to the other firm
            if rng.random() < 0.4:
                add_people(reg, rng, firm)
            b.importers.append(firm.idx)
            members.append(firm)
        for m in members:
            b.labels.entity("namesakes", m, "importer", group=g)
        groups.append(members)
    draw_links(b, [m.idx for ms in groups for m in ms[1:]], group=group, bits=bit)
    first, last = to_day(START), to_day(END)
    share_sup = float(value("namesakes", "shared_supplier_share"))
    share_pay = float(value("namesakes", "shared_payer_share"))
    for g, members in enumerate(groups):
        if rng.random() < share_sup:
            industry = members[0].role.split(":", 1)[1].split(",")[0]
            exp = b.pick_exporter(industry)
            offers = b.offers(exp, industry) if exp is not None else []
            if exp is not None and offers:
                b.labels.entity("namesakes", reg.firms[exp], "shared_supplier", group=g)
                for m in members:
                    picks = [offers[int(i)] for i in rng.permutation(len(offers))[: int(rng.integers(1, 4))]]
                    start = first + int(rng.integers(0, 400))
                    prods, end = respect_controls(rng, picks, start, last)
                    if prods and end - start >= 60:
                        b.links.add(
                            reg, m.idx, exp, start, end, prods, weight=1.0, price=1.0, bits=bit, group=group
                        )
        if rng.random() < share_pay:
            payer = b.customers[int(rng.integers(len(b.customers)))]
            b.labels.entity("namesakes", reg.firms[payer], "shared_payer", group=g)
            for m in members:
                b.pay_plan.append(PayPlan(payer, m.idx, int(rng.integers(2, 6)), "namesakes"))
    b.links.shares[group] = float(value("namesakes", "row_share"))


def civilian_name(rng: np.random.Generator, book: NameBook) -> FirmName:
    """A fictional civilian plant, airline, research association or design bureau."""
    names = config()["civilian_plants_paying"]["names"]
    for _ in range(500):
        pattern = str(names["patterns"][int(rng.integers(len(names["patterns"])))])
        town = str(names["towns"][int(rng.integers(len(names["towns"])))])
        word = str(names["words"][int(rng.integers(len(names["words"])))])
        core = pattern.format(town=town, word=word)
        legal = str(names["legal"][int(rng.integers(len(names["legal"])))])
        if book.claim("RU" + core):
            break
    else:  # large worlds: plants known by number, as many real ones are ("завод № 12")
        for _ in range(5000):
            town = str(names["towns"][int(rng.integers(len(names["towns"])))])
            core = str(names["numbered"]).format(town=town, number=int(rng.integers(1, 1000)))
            legal = str(names["legal"][int(rng.integers(len(names["legal"])))])
            if book.claim("RU" + core):
                break
        else:
            raise RuntimeError("name space exhausted")
    plain = core.replace("«", '"').replace("»", '"')
    latin = f"{ru_latin(core.replace('«', '').replace('»', '')).upper()} {'LLC' if legal == 'ООО' else 'JSC'}"
    primary = f"{legal} «{core}" if core.endswith("»") else f"{legal} «{core}»"  # «Завод «Кедр»
    return fixed_name(primary, [f"{legal} {plain.upper()}", latin, f"{core} {legal}"], [latin])


def civilian_plants(b: Build) -> None:
    """Civilian plants and airlines among the customers that pay importers."""
    n = max(5, round(len(b.customers) * float(value("civilian_plants_paying", "firm_share"))))
    for _ in range(n):
        firm = make_firm(
            b.reg,
            b.book,
            b.rng,
            "RU",
            "civilian",
            "customer",
            (1992, 2015),
            name=civilian_name(b.rng, b.book),
        )
        b.customers.append(firm.idx)
        b.civilian.append(firm.idx)
        b.labels.entity("civilian_plants_paying", firm, "payer")


def mass_registration(b: Build) -> None:
    """Move a share of importers (RU) and exporters (hub countries) to a few shared addresses."""
    reg, rng = b.reg, b.rng
    same_office = float(value("mass_registration", "same_office_share"))
    for country, bases in config()["mass_registration"]["addresses"].items():
        if country == "RU":
            share = float(value("mass_registration", "firm_share"))
            namesakes = {idx for idx, _ in b.labels.entries["namesakes"].seen}  # they keep their cities
            cands = [i for i in b.importers if reg.firms[i].country == country and i not in namesakes]
        else:
            share = float(value("mass_registration", "trader_share"))
            cands = [
                i for i in b.exporters if reg.firms[i].country == country and reg.firms[i].role == "trader"
            ]
        k = min(len(cands), max(round(len(cands) * share), len(bases)))
        if k == 0:
            continue
        chosen = sorted(int(i) for i in rng.choice(cands, k, replace=False))
        weight = 1.0 / np.arange(1, len(bases) + 1)  # a few large centres, the first the largest
        where = rng.choice(len(bases), size=k, p=weight / weight.sum())
        offices = [int(rng.integers(100, 1200)) for _ in bases]
        for idx, j in zip(chosen, where.tolist(), strict=True):
            base = str(bases[j])
            text = base
            if country == "RU":
                office = offices[j] if rng.random() < same_office else int(rng.integers(100, 1200))
                text = f"{base}, офис {office}"
            firm = reg.firms[idx]
            firm.address = Address(text, fold_cp1251(text, german=True))
            role = "importer" if country == "RU" else "exporter"
            b.labels.firm("mass_registration", firm, role, address=base)
