"""Fictional firm and person names in each country's script, with the spelling variants
that real customs records show for one and the same firm."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradetrace.simulate.translit import fold_cp1251, has_cyrillic, ru_latin, tr_upper
from tradetrace.simulate.vocab import yaml_data

CIS_STYLES = ("RU", "KZ", "BY", "AM", "KG", "UZ")
# How often each position of a firm's variant list is used in records.
VARIANT_WEIGHTS = np.array([0.6, 0.14, 0.1, 0.07, 0.05, 0.04])


@dataclass
class FirmName:
    primary: str
    variants: list[str]
    variants_cp: list[str]
    aliases: list[str] = field(default_factory=list)
    brand: str = ""


class NameBook:
    """Remembers which name cores are taken so that no two firms share one."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    @staticmethod
    def key(text: str) -> str:
        return re.sub(r"[\W_]+", "", fold_cp1251(text, german=True).casefold())

    def claim(self, text: str) -> bool:
        k = self.key(text)
        if k in self.used:
            return False
        self.used.add(k)
        return True


@cache
def _cum(weights: tuple[float, ...]) -> NDArray[np.float64]:
    return np.cumsum(weights)


def _weighted_index(rng: np.random.Generator, weights: tuple[float, ...]) -> int:
    cum = _cum(weights)
    return min(int(np.searchsorted(cum, rng.random() * cum[-1], side="right")), len(weights) - 1)


def _pick(rng: np.random.Generator, items: list[Any]) -> Any:
    return items[int(rng.integers(len(items)))]


def typo(rng: np.random.Generator, text: str) -> str:
    """One keyboard slip inside the text: a dropped, doubled or swapped letter."""
    pos = [i for i, ch in enumerate(text[:-1]) if ch.isalpha() and text[i + 1].isalpha()]
    if len(pos) < 3:
        return text
    i = pos[1 + int(rng.integers(len(pos) - 1))]
    op = int(rng.integers(3))
    if op == 0:
        return text[:i] + text[i + 1 :]
    if op == 1:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i] + text[i] + text[i:]


def _select(rng: np.random.Generator, first: str, others: list[str]) -> list[str]:
    """The firm's own spelling first, then a random few of the alternatives."""
    uniq = [o for o in dict.fromkeys(others) if o != first]
    k = min(len(uniq), int(rng.integers(1, 5)))
    chosen = [int(i) for i in rng.permutation(len(uniq))[:k]]
    return [first] + [uniq[i] for i in chosen]


def _join_ru(parts: list[str], camel: bool) -> str:
    if any(len(p) > 6 for p in parts[:1]):
        return parts[0] + "-" + "".join(p.capitalize() for p in parts[1:])
    if camel:
        return "".join(p.capitalize() for p in parts)
    return "".join(parts).capitalize()


def ru_core(rng: np.random.Generator, style: str, industry: str, book: NameBook) -> str:
    data = yaml_data("names_ru.yaml")
    prefixes = data["styles"][style]["prefixes"]
    roots = data["industry_roots"].get(industry, data["roots"])
    for attempt in range(80):
        parts = [_pick(rng, prefixes), _pick(rng, roots)]
        if rng.random() < 0.45 or attempt > 40:
            extra = _pick(rng, data["roots"])
            if extra != parts[1]:
                parts.append(extra)
        core = _join_ru(parts, camel=bool(rng.random() < 0.5)) + _pick(rng, data["tails"])
        if book.claim(style + core):
            return str(core)
    raise RuntimeError("name space exhausted")


def cis_name(
    rng: np.random.Generator, style: str, industry: str, book: NameBook, core: str | None = None
) -> FirmName:
    """A firm of Russia or another CIS country: Cyrillic name, Latin variants."""
    data = yaml_data("names_ru.yaml")
    forms = data["styles"][style]["legal"]
    form = forms[_weighted_index(rng, tuple(float(f["w"]) for f in forms))]
    core = core or ru_core(rng, style, industry, book)
    short, full, lat, en = form["short"], form["full"], form["lat"], form["en"]
    primary = f"{short} «{core}»"
    cyr = [
        f'{short} "{core}"',
        f"{short} {core.upper()}",
        f"{core} {short}",
        f"{full} «{core}»",
        core,
        f"{short} «{typo(rng, core)}»",
        f'{short} "{core.upper()}"',
    ]
    lat_core = ru_latin(core).upper()
    latin = [
        f"{lat_core} {en}",
        f"{lat} {ru_latin(core, loose=True).upper()}",
        f'{en} "{ru_latin(core)}"',
    ]
    variants = _select(rng, primary, cyr + latin)
    cp = [fold_cp1251(v) if has_cyrillic(v) else primary for v in variants]
    return FirmName(primary, variants, cp, aliases=[latin[0], f"{full} «{core}»"], brand=lat_core)


def cn_name(
    rng: np.random.Generator,
    industry: str,
    book: NameBook,
    region: str = "CN",
    word: tuple[str, str] | None = None,
) -> FirmName:
    """A firm of mainland China, Hong Kong (region HK) or Taiwan (region TW).

    With word (script, romanised) given, the name is built on that stock word.
    """
    data = yaml_data("names_world.yaml")["tw" if region == "TW" else "cn"]
    inds = data["industries"].get(industry, data["industries"]["trading"])
    fixed = word
    for _ in range(300):
        place, ind, legal = _pick(rng, data["places"]), _pick(rng, inds), _pick(rng, data["legal"])
        if word is None:
            word = _cn_word(rng, data["chars"], taiwan=region == "TW")
        if word is None:
            continue
        if region == "HK":
            en = f"{word[1]} {ind[1]} (Hong Kong) Limited"
            script = f"香港{word[0]}{ind[0]}有限公司"
            short_en = f"{word[1]} {ind[1]} (HK) Ltd."
        elif region == "TW":
            en = f"{word[1]} {ind[1]} {legal[1]}"
            script = f"{word[0]}{ind[0]}{legal[0]}"
            short_en = f"{word[1]} {ind[1]} Co.,Ltd"
        else:
            en = f"{place[1]} {word[1]} {ind[1]} {legal[1]}"
            city = place[0] + ("市" if rng.random() < 0.4 else "")
            script = f"{city}{word[0]}{ind[0]}{legal[0]}"
            short_en = f"{word[1]} {ind[1]} {legal[1]}"
        # stock-word names may share their short form with an unrelated firm
        if book.claim(region + en) and (fixed is not None or book.claim(region + short_en)):
            break
        word = fixed
    else:
        raise RuntimeError("name space exhausted")
    others = [en.upper(), en.replace("Co., Ltd.", "CO.,LTD"), short_en, script, typo(rng, en)]
    variants = _select(rng, en, others)
    cp = [v if v.isascii() else en for v in variants]
    brand = word[1].upper().replace(" ", "")
    return FirmName(en, variants, cp, aliases=[script], brand=brand)


def _reserved(text: str) -> bool:
    low = text.casefold().replace(" ", "")
    return any(w.casefold().replace(" ", "") in low for w in yaml_data("names_world.yaml")["reserved_words"])


def _cn_word(rng: np.random.Generator, chars: list[list[str]], taiwan: bool) -> tuple[str, str] | None:
    """Two syllables as one name word: (script, romanised); None if reserved or doubled."""
    a, b = _pick(rng, chars), _pick(rng, chars)
    if a[0] == b[0]:
        return None
    latin = f"{a[1]} {b[1]}" if taiwan else a[1] + b[1].lower()
    return None if _reserved(latin) else (a[0] + b[0], latin)


def tr_name(rng: np.random.Generator, industry: str, book: NameBook, stock: str | None = None) -> FirmName:
    """A Turkish firm; with stock given, the name is built on that stock word."""
    data = yaml_data("names_world.yaml")["tr"]
    inds = data["industries"].get(industry, data["industries"]["trading"])
    for attempt in range(300):
        word, ind = stock or _pick(rng, data["words"]), _pick(rng, inds)
        if stock is None and (attempt > 30 or rng.random() < 0.3):
            other = _pick(rng, data["words"])
            word = f"{word} {other}" if other != word else word
        if book.claim(f"TR{word}{ind}"):
            break
    else:
        raise RuntimeError("name space exhausted")
    forms = data["legal"]
    form = forms[_weighted_index(rng, tuple(float(f["w"]) for f in forms))]
    long = f"{word} {ind} {form['long']}"
    short = f"{word} {ind} {form['short']}"
    others = [long, tr_upper(short), fold_cp1251(tr_upper(short)), f"{word} {ind}", typo(rng, short)]
    variants = _select(rng, short, others)
    cp = [fold_cp1251(v) for v in variants]
    return FirmName(long, variants, cp, aliases=[short, fold_cp1251(long)], brand=fold_cp1251(word).upper())


def latin_name(rng: np.random.Generator, country: str, industry: str, book: NameBook) -> FirmName:
    data = yaml_data("names_world.yaml")["latin"]
    cfg = data["countries"][country]
    inds = cfg["industries"].get(industry) or data["industries_en"].get(industry)
    inds = inds or cfg["industries"].get("trading") or data["industries_en"]["trading"]
    for attempt in range(3000):
        word, ind = _pick(rng, cfg["words"]), _pick(rng, inds)
        if attempt > 30 or rng.random() < 0.15:
            other = _pick(rng, cfg["words"])
            word = f"{word} & {other}" if other != word else word
        qual = _pick(rng, cfg["qualifiers"])
        base = f"{word} {ind}" + (f" {qual}" if qual else "")
        if book.claim(country + base):
            break
    else:
        raise RuntimeError("name space exhausted")
    legal = _pick(rng, cfg["legal"])
    name = f"{base} {legal}"
    german = country in ("DE", "AT", "CH")
    others = [name.upper(), base, f"{base}, {legal}", typo(rng, name), fold_cp1251(name, german=german)]
    variants = _select(rng, name, others)
    cp = [fold_cp1251(v, german=german) for v in variants]
    brand = fold_cp1251(word.split(" & ")[0], german=german).upper()
    return FirmName(name, variants, cp, aliases=[name.upper()], brand=brand)


def firm_name(rng: np.random.Generator, country: str, industry: str, book: NameBook) -> FirmName:
    """A fictional firm name fitting the country and its line of business."""
    if country in CIS_STYLES:
        return cis_name(rng, country, industry, book)
    if country in ("CN", "TW") or (country == "HK" and rng.random() < 0.5):
        return cn_name(rng, industry, book, region=country)
    if country == "TR":
        return tr_name(rng, industry, book)
    return latin_name(rng, country, industry, book)


def fixed_name(primary: str, variants: list[str] | None = None, aliases: list[str] | None = None) -> FirmName:
    """A given name (planted parties) with its record spellings (default: the name alone).

    In CP1251 records, Russian-script firms keep Cyrillic spellings and script forms that
    CP1251 cannot hold fall back to the firm's Latin name.
    """
    vs = [primary, *[v for v in variants or [] if v != primary]]
    fallback = next(n for n in [primary, *(aliases or [])] if _foldable(n))
    cyrillic = has_cyrillic(primary)
    cp = []
    for v in vs:
        if cyrillic:
            cp.append(fold_cp1251(v) if has_cyrillic(v) else fold_cp1251(primary))
        else:
            cp.append(fold_cp1251(v, german=True) if _foldable(v) else fold_cp1251(fallback, german=True))
    return FirmName(primary, vs, cp, aliases or [])


def _foldable(text: str) -> bool:
    try:
        fold_cp1251(text, german=True)
    except ValueError:
        return False
    return True


def ru_person(rng: np.random.Generator) -> tuple[str, str]:
    """A fictional Russian person: (Cyrillic full name, Latin given name + surname)."""
    p = yaml_data("names_ru.yaml")["people"]
    surname = str(_pick(rng, p["surnames"]))
    if rng.random() < 0.72:
        first = str(_pick(rng, p["male_first"]))
        patronymic = str(_pick(rng, p["patronymic_base"])) + "вич"
    else:
        first = str(_pick(rng, p["female_first"]))
        patronymic = str(_pick(rng, p["patronymic_base"])) + "вна"
        surname = "-".join(_feminine(part) for part in surname.split("-"))
    return f"{surname} {first} {patronymic}", f"{ru_latin(first)} {ru_latin(surname)}"


def _feminine(surname: str) -> str:
    for male, female in (("ский", "ская"), ("ной", "ная"), ("ный", "ная"), ("ий", "ая")):
        if surname.endswith(male):
            return surname[: -len(male)] + female
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    return surname
