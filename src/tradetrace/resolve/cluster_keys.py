"""Comparable keys of one party mention: name, address and tax id in any script.

A customs record writes the same firm as "ООО «Пижмастрой-Центр»", "PIZHMASTROY-TSENTR LLC"
and "OOO PIJMASTROI-CENTR". :func:`name_keys` reduces each to Latin keys that agree when the
words agree, whatever the script or romanisation:

* ``tokens``: the words of :func:`tradetrace.resolve.text.analyse` (scripts transliterated,
  legal forms removed, hyphenated words glued), less the clustering stop phrases of
  ``data/resolve/cluster/terms.yaml`` (ТД / Trading House, San. ve Tic., K.K. ...);
* ``key``: those words sorted, so word order does not matter;
* ``fold``: each word with the letter sequences romanisations disagree on folded
  (kh/h, ts/c, zh/j, yu/iu, y/i ...): "protvastroy" and "protvastroi" share ``protvastroi``;
* ``phon``: consonant skeletons of the words (:func:`~tradetrace.resolve.text.phonetic_key`),
  robust to dropped, doubled and swapped vowels; used for blocking;
* ``cross`` and ``sino``: a name in Han characters gives its pinyin syllables joined in runs
  of two and three ("武汉朗泓电子" -> ``wuhan``, ``langhong``, ``dianzi`` ...), a Latin name
  its words and pairs of short words ("Po Chuan" -> ``pochuan``); both folded so that
  pinyin, Wade-Giles and Hong Kong spellings meet (b/p, d/t, g/k, zh/ch/j/q/z, x/hs/sh/s).
  The Chinese form of a firm then meets the romanised words of its English form.

:func:`address_key` and :func:`tax_key` do the same for addresses and identifiers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

from tradetrace.resolve.identifiers import describe, id_key
from tradetrace.resolve.text import analyse, phonetic_key, to_ascii

__all__ = [
    "NameKeys",
    "TaxKey",
    "address_key",
    "fold",
    "han_grams",
    "many_name_keys",
    "name_keys",
    "sino_fold",
    "tax_key",
]

_TOKEN = re.compile(r"[a-z0-9]+")
_TRIVIAL_ID = re.compile(r"^(.)\1*$|^0+[0-9]?$|^(NA|NONE|NULL|UNKNOWN|NOTAVAILABLE)$")
PERSON = "person"
SYLLABLE_WORD = 6  # a Latin word this short may be one syllable of a Chinese name ("Po", "Chuan")


@dataclass(frozen=True)
class Terms:
    drop: tuple[tuple[str, ...], ...]
    rewrite: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    fold: tuple[tuple[str, str], ...]
    han_drop: tuple[str, ...]
    han_rewrite: tuple[tuple[str, str], ...]
    sino_fold: tuple[tuple[str, str], ...]
    loanwords: dict[str, str]


@cache
def terms() -> Terms:
    """The clustering vocabulary in ``data/resolve/cluster/terms.yaml`` (read once)."""
    path = resources.files("tradetrace").joinpath("data/resolve/cluster/terms.yaml")
    raw: dict[str, Any] = yaml.safe_load(path.read_text("utf-8"))
    drop = sorted({tuple(str(p).split()) for p in raw.get("drop") or ()}, key=lambda p: (-len(p), p))
    rewrite = sorted(
        ((tuple(str(a).split()), tuple(str(b or "").split())) for a, b in (raw.get("rewrite") or {}).items()),
        key=lambda p: (-len(p[0]), p),
    )
    return Terms(
        tuple(drop),
        tuple(rewrite),
        tuple((str(a), str(b)) for a, b in raw.get("fold") or ()),
        tuple(sorted((str(h) for h in raw.get("han_drop") or ()), key=lambda h: (-len(h), h))),
        tuple((str(a), str(b)) for a, b in (raw.get("han_rewrite") or {}).items()),
        tuple((str(a), str(b)) for a, b in raw.get("sino_fold") or ()),
        {str(a): str(b) for a, b in (raw.get("loanwords") or {}).items()},
    )


@dataclass(frozen=True)
class NameKeys:
    """A name reduced to Latin words and the keys built from them."""

    tokens: tuple[str, ...]
    fold: tuple[str, ...]
    phon: tuple[str, ...]
    cross: tuple[str, ...] = ()  # Han names: folded syllable runs
    sino: tuple[str, ...] = ()  # Latin names: folded words and pairs of short words

    @property
    def key(self) -> str:
        """Words sorted: equal keys mean the same words in any order."""
        return " ".join(sorted(self.tokens))

    @property
    def fold_key(self) -> str:
        """Folded words sorted: equal across romanisations of one Cyrillic spelling."""
        return " ".join(sorted(self.fold))

    @property
    def fold_squash(self) -> str:
        """Folded words in written order, without spaces (for edit-distance scores)."""
        return "".join(self.fold)

    @property
    def phon_key(self) -> str:
        return " ".join(sorted(self.phon))


def _replace(tokens: list[str], phrase: tuple[str, ...], by: tuple[str, ...]) -> list[str]:
    n = len(phrase)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if tuple(tokens[i : i + n]) == phrase:
            out.extend(by)
            i += n
        else:
            out.append(tokens[i])
            i += 1
    return out


@lru_cache(maxsize=500_000)
def fold(token: str) -> str:
    """A word with romanisation variants folded (kh/h, ts/c, yu/iu, y/i ...), and a Russian
    loanword romanised back to its English word (``mashin`` -> ``machine``).

    Doubled letters are kept: "Kubenaprom-M" (``kubenapromm``) is another firm than
    "Kubenaprom"; the consonant skeletons and edit distances absorb doubled typos.
    """
    word = _fold_letters(token)
    return _loanwords().get(word, word)


def _fold_letters(token: str) -> str:
    for a, b in terms().fold:
        token = token.replace(a, b)
    return token


@cache
def _loanwords() -> dict[str, str]:
    """The loanword table with both sides folded (``tekhnolodzhi`` is looked up as ``tehnolodji``)."""
    return {_fold_letters(a): _fold_letters(b) for a, b in terms().loanwords.items()}


@lru_cache(maxsize=500_000)
def name_keys(name: str, kind: str | None = None) -> NameKeys:
    """Keys of a party name as written; ``kind`` is person, company or None (treated as company)."""
    # a Turkish capital İ lower-cases to i + combining dot, which splits the word apart
    form = analyse(name.replace("İ", "I"), PERSON if kind == PERSON else "company")
    tokens = list(form.glued)
    if kind != PERSON:
        t = terms()
        core = tokens
        for phrase, by in t.rewrite:
            core = _replace(core, phrase, by)
        for phrase in t.drop:
            core = _replace(core, phrase, ())
        tokens = core or tokens  # a name made only of stop words keeps them
    folded = tuple(fold(tok) for tok in tokens)
    phon = tuple(p for p in (phonetic_key(tok) for tok in tokens) if p)
    cross = han_grams(name)
    return NameKeys(tuple(tokens), folded, phon, cross, () if cross else _sino_words(name))


def _sino_words(name: str) -> tuple[str, ...]:
    """The words of a Latin name as written (legal-form lists mistake "Pao" for ПАО), Chinese-folded."""
    words = _TOKEN.findall(to_ascii(name).lower())
    short = [len(w) <= SYLLABLE_WORD for w in words]
    pairs = {a + b for a, b, sa, sb in zip(words, words[1:], short, short[1:], strict=False) if sa and sb}
    return tuple(sorted({sino_fold(w) for w in (*words, *pairs)}))


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


@lru_cache(maxsize=500_000)
def sino_fold(token: str) -> str:
    """A romanised Chinese word folded so that pinyin and Wade-Giles spellings agree."""
    for a, b in terms().sino_fold:
        token = token.replace(a, b)
    return token


@lru_cache(maxsize=200_000)
def han_grams(name: str) -> tuple[str, ...]:
    """Runs of two and three pinyin syllables of the Han characters of ``name`` (folded)."""
    if not any(_is_han(ch) for ch in name):
        return ()
    t = terms()
    text = name
    grams: set[str] = set()
    for han, latin in t.han_rewrite:
        if han in text:
            grams.add(sino_fold(latin))
            text = text.replace(han, " ")
    for part in t.han_drop:
        text = text.replace(part, " ")
    for run in re.findall(r"[\u3400-\u9fff\uf900-\ufaff]+", text):
        syl = ["".join(_TOKEN.findall(to_ascii(ch).lower())) for ch in run]
        syl = [s for s in syl if s]
        for n in (2, 3):
            grams.update(sino_fold("".join(syl[i : i + n])) for i in range(len(syl) - n + 1))
    return tuple(sorted(grams))


@lru_cache(maxsize=20_000)
def _char_ascii(ch: str) -> str:
    return to_ascii(ch)


@lru_cache(maxsize=500_000)
def address_key(address: str | None) -> str | None:
    """An address as lower-case ASCII words in written order, or None if nothing is left.

    Transliterated letter by letter (addresses are compared for equality and edit distance,
    where the context rules of a full transliteration do not matter, and this is much faster).
    """
    if not address:
        return None
    text = address if address.isascii() else "".join(_char_ascii(ch) for ch in address)
    words = _TOKEN.findall(text.lower())
    return " ".join(words) or None


@dataclass(frozen=True)
class TaxKey:
    """An identifier as compared: letters and digits, and the checksum scheme it passes, if any."""

    key: str
    scheme: str | None

    @property
    def checked(self) -> bool:
        return self.scheme is not None


@lru_cache(maxsize=500_000)
def tax_key(value: str | None, country: str | None = None) -> TaxKey | None:
    """The comparable form of a tax id, or None when empty or a placeholder ("0000000", "N/A")."""
    key = id_key(value)
    if not key or len(key) < 5 or _TRIVIAL_ID.match(key):
        return None
    check = describe(key, country)
    return TaxKey(key, check.scheme if check else None)


def many_name_keys(items: list[tuple[str, str | None]]) -> dict[tuple[str, str | None], NameKeys]:
    """Keys of many (name, kind) pairs, each distinct pair computed once."""
    return {t: name_keys(*t) for t in dict.fromkeys(items)}
