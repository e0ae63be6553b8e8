"""Russian firm and institution names read in English.

Russian organisations register in Russian and are listed, declared or reported in an English
translation: "АО «Объединённая судостроительная корпорация»" is UNITED SHIPBUILDING CORPORATION,
"НПО машиностроения" is NPO MASHINOSTROYENIA or the SCIENTIFIC PRODUCTION ASSOCIATION OF MACHINE
BUILDING. ``translated_words(tokens)`` gives the English reading of a name's words, written in
Cyrillic or romanised in any of the usual ways, from the glossary of
``data/resolve/russian_terms.yaml``:

* a word whose spelling starts with a glossary stem and ends in a Russian inflection is replaced by
  the stem's English words (``судостроительная`` -> ``shipbuilding``);
* an abbreviation written as one word is expanded (``НИИ`` -> ``scientific research institute``);
* a place adjective is cut to its place (``тульский`` -> ``tul``, to meet ``TULA``);
* every other word is kept as written (the firm's own name: ``Алмаз`` -> ``almaz``).

Words are compared on a coarse Cyrillic key (``romanise.coarse_letters``), so the Cyrillic
spelling and the romanisations of BGN/PCGN, ICAO or the SDN list's own habits meet the same stem.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

from tradetrace.resolve.romanise import coarse_key, coarse_letters, cyrillic_from_latin

__all__ = ["glossary", "spelling_key", "synonym_groups", "translated_words"]

# Russian noun and adjective inflections (nominative to prepositional, singular and plural), the
# letters that may follow a stem; compared on the coarse key, like the stems.
_INFLECTIONS = (
    "", "а", "я", "у", "ю", "е", "и", "ы", "о", "ом", "ем", "ам", "ям", "ами", "ями", "ах", "ях",
    "ов", "ев", "ий", "ый", "ой", "ей", "ая", "яя", "ое", "ее", "ого", "его", "ому", "ему", "ым",
    "им", "ую", "юю", "ые", "ие", "ых", "их", "ыми", "ими", "ия", "ию", "ией", "ии", "иям", "иями",
    "иях", "ь", "ью", "ья", "ье", "ьи", "ьев", "ье", "ьего",
)  # fmt: skip
# a place adjective, romanised: Тульский tulskiy, Муромское muromskoe, Ярославская yaroslavskaya
_PLACE_ADJECTIVE = re.compile(
    r"^([a-z]{3,}?)sk(?:ii|iy|iyi|yi|yy|y|i|aya|aia|aja|aa|oe|oye|oie|oje|ogo|oi|oy|ikh|ih|iye|iie|ie|ye|uyu|uiu|oj|ij)$"
)


@cache
def _raw() -> dict[str, Any]:
    text = resources.files("tradetrace").joinpath("data", "resolve", "russian_terms.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _keys(cyrillic: str) -> tuple[str, str]:
    """Two coarse keys of a Cyrillic word: letters merged as romanisations blur them, and the same
    with a soft vowel after a consonant read as one (``ия``/``я``: ICAO's "spetsialnoe" and BGN's
    "spetsial'noye" meet only there; a stem ending in и meets only in the first). тс is read as
    ц, as a romanisation read back gives it."""
    folded = cyrillic.lower().replace("тс", "ц")  # "ts" reads back as ц: otvetstvennost
    return coarse_letters(folded), coarse_key(folded)


@cache
def glossary() -> tuple[
    tuple[dict[str, tuple[str, ...]], ...], dict[str, tuple[str, ...]], tuple[frozenset[str], ...]
]:
    """Per key space: stems to English words (an empty tuple for a word of the legal form); the
    abbreviations; per key space, the inflections that may follow a stem."""
    raw = _raw()
    spaces: tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]] = ({}, {})
    for stem, english in [
        *((str(k), tuple(str(v).split())) for k, v in (raw.get("stems") or {}).items()),
        *((str(k), ()) for k in raw.get("legal") or ()),
    ]:
        for space, key in zip(spaces, _keys(stem), strict=True):
            space.setdefault(key, english)
    abbreviations = {
        coarse_letters(str(k)): tuple(str(v).split()) for k, v in (raw.get("abbreviations") or {}).items()
    }
    # an inflection's key after a consonant, so that a soft vowel folds as it does in a word
    inflections = tuple(frozenset(_keys("б" + e)[i][1:] for e in _INFLECTIONS) for i in (0, 1))
    return spaces, abbreviations, inflections


@lru_cache(maxsize=200_000)
def spelling_key(token: str) -> str:
    """A key shared by the romanisations of one Russian word ("otvetstvennostyu",
    "otvetstvennostiu", "ответственностью"); words under five letters are their own key."""
    if len(token) < 5:
        return token
    return _keys(cyrillic_from_latin(token))[0]


def synonym_groups() -> list[list[str]]:
    """Groups of English words that translate the same Russian word (they meet as variants)."""
    return [[str(w) for w in group] for group in _raw().get("synonyms") or ()]


@lru_cache(maxsize=200_000)
def _word(token: str) -> tuple[tuple[str, ...], bool]:
    """The English reading of one ASCII word (empty for a word of the legal form), and whether it
    was translated."""
    spaces, abbreviations, inflections = glossary()
    cyrillic = cyrillic_from_latin(token)
    keys = _keys(cyrillic)
    if keys[0] in abbreviations:
        return abbreviations[keys[0]], True
    for stems, key, endings in zip(spaces, keys, inflections, strict=True):
        for end in range(len(key), 2, -1):
            english = stems.get(key[:end])
            if english is not None and key[end:] in endings:
                return english, english != (token,)
    place = _PLACE_ADJECTIVE.match(token)
    if place:
        return (place.group(1),), False
    return (token,), False


def translated_words(tokens: Sequence[str]) -> list[str] | None:
    """The name's words with their Russian business words in English, or None when none was."""
    out: list[str] = []
    hit = False
    dropped = False
    for token in tokens:
        if token == "s" and dropped:
            continue  # obshchestvo s ogranichennoi ...: the preposition of the legal form
        words, translated = _word(token)
        dropped = not words
        out.extend(words)
        hit = hit or translated
    return out if hit and out else None
