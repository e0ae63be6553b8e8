"""Products: models, brands and the restriction assumptions that shape background trade."""

from __future__ import annotations

from functools import cache

import numpy as np

from tradetrace.simulate.registry import Firm, Product, Registry
from tradetrace.simulate.timeline import iso
from tradetrace.simulate.vocab import Goods, goods, yaml_data

NO_BRAND = "ОТСУТСТВУЕТ"  # what Russian declarations write when goods carry no trademark
_LETTERS = "ABCDEFGHJKLMNPRSTUVXZ"
_MAKER_PRICE = {
    "DE": 1.3,
    "JP": 1.3,
    "US": 1.35,
    "CH": 1.4,
    "IT": 1.15,
    "FR": 1.15,
    "KR": 1.05,
    "TW": 1.0,
    "CN": 0.8,
    "IN": 0.75,
    "VN": 0.8,
    "TR": 0.9,
    "BY": 0.85,
}


def _l(rng: np.random.Generator, n: int) -> str:
    return "".join(_LETTERS[int(i)] for i in rng.integers(0, len(_LETTERS), n))


def _d(rng: np.random.Generator, n: int) -> str:
    return str(int(rng.integers(10 ** (n - 1), 10**n)))


def make_model(rng: np.random.Generator, style: str, brand: str) -> str:
    head = "".join(ch for ch in brand.upper() if "A" <= ch <= "Z")[:2] or _l(rng, 2)
    match style:
        case "machine":
            return f"{head}{_l(rng, 1)}-{_d(rng, int(rng.integers(3, 5)))}{_l(rng, 1) if rng.random() < 0.5 else ''}"
        case "part":
            return f"{head}{_d(rng, 4)}-{_d(rng, 2)}"
        case "chip":
            return f"{head}{_l(rng, 1)}{_d(rng, 4)}{_l(rng, 1)}{_d(rng, 2)}"
        case "device":
            return f"{head}-{_d(rng, 4)}{_l(rng, 1)}"
        case "instrument":
            return f"{head}{_l(rng, 1)}-{_d(rng, 4)}"
        case "tyre":
            width, ratio = 145 + 10 * int(rng.integers(0, 16)), 35 + 5 * int(rng.integers(0, 10))
            return f"{width}/{ratio} R{int(rng.integers(13, 22))} {head}-{_d(rng, 2)}"
        case "furniture" | "apparel":
            return f"ART. {_d(rng, 5)}"
        case "pharma":
            return f"{head}-{_l(rng, 3)} {int(rng.integers(1, 20)) * 25} MG"
        case "cosmetic":
            return f"{head}-{_d(rng, 3)}"
        case _:
            return ""


@cache
def _industry_goods() -> dict[str, list[Goods]]:
    out: dict[str, list[Goods]] = {}
    for g in goods():
        out.setdefault(g.industry, []).append(g)
    return out


def industry_goods(industry: str) -> list[Goods]:
    return _industry_goods()[industry]


def add_catalogue(reg: Registry, rng: np.random.Generator, maker: Firm, n: int) -> list[Product]:
    """Give a maker n products of its industry, all under its own brand."""
    lines = industry_goods(maker.industry)
    factor = _MAKER_PRICE.get(maker.country, 1.0) * float(np.exp(rng.normal(0, 0.2)))
    out = []
    for _ in range(n):
        g = lines[int(rng.integers(len(lines)))]
        hs10 = g.tnved[int(rng.integers(len(g.tnved)))]
        if g.generic and rng.random() < 0.5:
            brand, model = NO_BRAND, ""
        else:
            brand, model = maker.name.brand, make_model(rng, g.model_style, maker.name.brand)
        out.append(reg.add_product(maker.idx, brand, model, hs10, g, maker.country, factor))
    return out


@cache
def _restrictions() -> tuple[dict[str, int], dict[str, int], frozenset[str], frozenset[str]]:
    data = yaml_data("restrictions.yaml")
    general: dict[str, int] = {}
    tools: dict[str, int] = {}
    for rule in data["controlled_from"]:
        for o in rule["origins"]:
            general[o] = iso(rule["date"])
            tools[o] = iso(rule.get("machine_tools_date", rule["date"]))
    return general, tools, frozenset(data["exit_market"]), frozenset(data["hubs"])


def restriction_day(origin: str, g: Goods) -> int | None:
    """Day from which controlled goods of this origin no longer go to Russia directly."""
    if not g.controlled:
        return None
    general, tools, _, _ = _restrictions()
    table = tools if g.industry == "machine_tools" else general
    return table.get(origin)


def exits_market(country: str) -> bool:
    return country in _restrictions()[2]
