"""Name text for screening: one comparable form of a name in any script.

``analyse(name, kind)`` turns a name as written into a :class:`NameForm`:

* **cleaning**: Unicode NFKC, invisible characters (zero-width spaces and
  joiners, word joiners, soft hyphens: category Cf) removed, and Cyrillic or
  Greek look-alike letters inside Latin words folded to Latin (homoglyph
  spoofing such as ``SНАНLАI`` with a Cyrillic Н and А);
* **scripts**: Cyrillic, Greek and the other alphabets through rigour's
  transliteration, Arabic, Han and the rest through ICU (``normality``);
  a Chinese person name written without spaces is split into family name and
  given name (``张晓明`` -> ``zhang xiaoming``);
* **legal forms** (organisations): rigour's org-type vocabulary first, then
  the phrases of ``data/resolve/name_terms.yaml`` (ООО/LLC, АО/JSC, ПАО/PJSC,
  ЗАО/CJSC, Co., Ltd., 有限公司, A.Ş., Ltd. Şti., GmbH...), which are removed
  and kept aside;
* **person names**: honorifics and generational suffixes (Mr, Dr, Hajji,
  Jr.) dropped at either end; name order is not kept (the scorer aligns
  words, so ``PUTIN, Vladimir`` and ``Vladimir Putin`` compare equal);
* two token forms: ``tokens`` split at every non-letter (``al``, ``duri``)
  and ``glued``, where hyphenated and apostrophised words and particles are
  joined (``alduri``), so both ``AL DURI`` and ``ALDURI`` meet ``AL-DURI``.
* a third form, ``translated``, for a Chinese firm name holding a business
  word of ``han_terms`` (贸易, 机床, 供应链管理...): those words in English, the
  place and brand in pinyin, place markers (市, 省) dropped, so that
  ``天津市源博机床有限公司`` meets ``TIANJIN YUANBO MACHINE TOOL CO., LTD.``; a Russian firm
  name holding a word of ``russian_terms.yaml`` is read the same way
  (``Судостроительная корпорация`` -> ``shipbuilding corporation``, see ``resolve.russian``).

``phonetic_key`` and ``ocr_key`` give the token keys the index and scorer
use for sound-alike spellings, dropped vowels and OCR confusions.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml
from anyascii import anyascii
from rigour.names import remove_org_types, remove_person_prefixes
from rigour.text import ascii_text

from tradetrace.resolve.russian import spelling_key, synonym_groups, translated_words
from tradetrace.resolve.transcribe import LOSSY_SCRIPTS, foreign_word, sound_keys

__all__ = [
    "NameForm",
    "analyse",
    "clean",
    "ocr_key",
    "phonetic_key",
    "scripts_of",
    "terms",
    "to_ascii",
]

_WORD_SPLIT = re.compile(r"[\s,;/|·・‧•]+")
_NAME_DOTS = re.compile(r"[·・‧•]")
_TOKEN = re.compile(r"[a-z0-9]+")
_LATIN = re.compile(r"[A-Za-z]")
_HAN_LEGAL = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "公司")
_PERSON = "person"
_STRICT_SCRIPTS = frozenset({"Han", "Hangul", "Hiragana", "Katakana"})
_APOSTROPHES = str.maketrans("", "", "'’ʹʼ`ʻ")
_RUSSIAN_SCRIPTS = frozenset({"Latin", "Cyrillic"})
_ORG_KINDS = frozenset({"company", "organization", "organisation", "org", "entity"})


@dataclass(frozen=True)
class NameForm:
    """A name ready to compare: ASCII tokens in two forms, and what was removed."""

    text: str
    tokens: tuple[str, ...]
    glued: tuple[str, ...]
    legal_forms: tuple[str, ...] = ()
    affixes: tuple[str, ...] = ()
    scripts: frozenset[str] = frozenset()
    translated: tuple[str, ...] = ()  # a Chinese firm name read with its business words in English
    # words written in a script that only sketches a foreign name's sounds (Arabic, kana, Hangul...):
    # (the word's glued token, the word as written; see tradetrace.resolve.transcribe)
    sounds: tuple[tuple[str, str], ...] = ()

    @property
    def strict(self) -> bool:
        """Written in a script whose romanisation is exact (Han, Hangul, kana): no fuzzy words."""
        return bool(self.scripts & _STRICT_SCRIPTS)

    @property
    def key(self) -> str:
        """Sorted glued tokens: equal keys mean the same words in any order."""
        return " ".join(sorted(self.glued))


@dataclass(frozen=True)
class Terms:
    legal_forms: tuple[tuple[str, ...], ...]
    legal_forms_short: tuple[tuple[str, ...], ...]
    person_affixes: frozenset[str]
    person_titles: tuple[tuple[str, ...], ...]
    honorifics: frozenset[str]
    particles: frozenset[str]
    generic_words: frozenset[str]
    confusables: dict[str, str]
    variants: dict[str, frozenset[str]]
    han_terms: dict[str, tuple[str, ...]]
    han_markers: frozenset[str]
    patronymic_endings: tuple[str, ...] = ()


@cache
def terms() -> Terms:
    """The name vocabulary shipped in ``data/resolve`` (read once)."""
    base = resources.files("tradetrace").joinpath("data/resolve")
    raw: dict[str, Any] = yaml.safe_load(base.joinpath("name_terms.yaml").read_text("utf-8"))
    with base.joinpath("confusables.csv").open("r", encoding="utf-8") as fh:
        confusables = {row["char"]: row["latin"] for row in csv.DictReader(fh)}

    def phrases(key: str) -> tuple[tuple[str, ...], ...]:
        items = {tuple(str(p).split()) for p in raw.get(key) or ()}
        return tuple(sorted(items, key=lambda p: (-len(p), p)))

    variants: dict[str, frozenset[str]] = {}
    groups = yaml.safe_load(base.joinpath("name_variants.yaml").read_text("utf-8"))["groups"]
    for group in [*groups, *synonym_groups()]:
        words = frozenset(str(w) for w in group)
        for w in words:
            variants[w] = variants.get(w, frozenset()) | (words - {w})
    return Terms(
        legal_forms=phrases("legal_forms"),
        legal_forms_short=phrases("legal_forms_short"),
        person_affixes=frozenset(str(w) for w in raw.get("person_affixes") or ()),
        person_titles=tuple(
            sorted(
                {p for p in (_ascii_words(str(t)) for t in raw.get("person_titles") or ()) if p},
                key=lambda p: (-len(p), p),
            )
        ),
        honorifics=frozenset(str(w) for w in raw.get("honorifics") or ()),
        particles=frozenset(str(w) for w in raw.get("particles") or ()),
        generic_words=frozenset(str(w) for w in raw.get("generic_words") or ()),
        confusables=confusables,
        variants=variants,
        han_terms={str(k): tuple(str(v).split()) for k, v in (raw.get("han_terms") or {}).items()},
        han_markers=frozenset(str(c) for c in raw.get("han_place_markers") or ()),
        patronymic_endings=tuple(str(e) for e in raw.get("patronymic_endings") or ()),
    )


def _ascii_words(text: str) -> tuple[str, ...]:
    """A phrase of the vocabulary as the name tokens it becomes (any script, transliterated)."""
    return tuple(tok for w in _WORD_SPLIT.split(text) for tok in _TOKEN.findall(to_ascii(w).lower()))


def _script(ch: str) -> str:
    if ch.isascii():
        return "Latin" if ch.isalpha() else "Common"
    name = unicodedata.name(ch, "")
    if name.startswith("CJK") or "IDEOGRAPH" in name:
        return "Han"
    head = name.split(" ", 1)[0]
    return head.title() if head else "Common"


def scripts_of(text: str) -> frozenset[str]:
    """Scripts of the letters of ``text`` (Latin, Cyrillic, Han, Arabic...)."""
    return frozenset(_script(ch) for ch in text if ch.isalpha())


def _fold_word(word: str, conf: dict[str, str], latin_context: bool) -> str:
    """Fold look-alike letters of a word to Latin when the word is a spoof.

    A word that mixes Latin letters with Cyrillic or Greek look-alikes is
    folded; so is a word made only of look-alikes inside a name whose other
    words are Latin. A genuine Cyrillic word is left for transliteration.
    """
    if word.isascii():
        return word
    has_latin = _LATIN.search(word) is not None
    letters = [ch for ch in word if ch.isalpha() and not ch.isascii()]
    if not letters:
        return word
    if has_latin or (latin_context and all(ch in conf for ch in letters)):
        return "".join(conf.get(ch, ch) for ch in word)
    return word


@lru_cache(maxsize=200_000)
def clean(text: str) -> str:
    """NFKC, invisible characters removed, homoglyph words folded to Latin."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    if text.isascii():
        return text
    conf = terms().confusables
    words = text.split()
    latin_context = any(_LATIN.search(w) for w in words)
    return " ".join(_fold_word(w, conf, latin_context) for w in words)


@lru_cache(maxsize=200_000)
def to_ascii(text: str) -> str:
    """Transliterate to ASCII (rigour for alphabets, ICU for the rest, anyascii for the scripts ICU
    does not know, such as Khmer)."""
    if text.isascii():
        return text
    out = ascii_text(text)
    if "?" in out and "?" not in text:
        out = anyascii(text)
    return out


def _han_words(word: str, person: bool, foreign: bool = False) -> list[tuple[list[str], str]]:
    """Syllables of a word written in Han characters, grouped into glued words, each with the
    characters it was read from.

    A person name of two to four characters is family name + given name
    (``[["zhang"], ["xiao", "ming"]]``); anything longer is one word, less a
    trailing legal form (有限公司...). A part of a foreign name (``拉姆赞·卡德罗夫``) is one word
    of syllables glued: each character only writes a sound of it (``lamuzan``).
    """
    for suffix in _HAN_LEGAL:
        if not person and word.endswith(suffix) and len(word) > len(suffix):
            word = word[: -len(suffix)]
            break
    syllables = _TOKEN.findall(to_ascii(word).lower())
    if foreign:
        return [(["".join(syllables)], word)] if syllables else []
    if person and 2 <= len(word) <= 4 and len(syllables) >= 2:
        return [(syllables[:1], word[:1]), (syllables[1:], word[1:])]
    return [(syllables, word)]


def _hangul_words(word: str, person: bool) -> list[tuple[list[str], str]]:
    """A Korean person name written as one word of two to four syllables (김정은): family name (the
    first syllable) and given name, each read on its own; anything else as one word."""
    if person and 2 <= len(word) <= 4 and all(_script(ch) == "Hangul" for ch in word):
        return [(_TOKEN.findall(to_ascii(part).lower()), part) for part in (word[:1], word[1:])]
    return [(_TOKEN.findall(to_ascii(word).lower()), word)]


def _pinyin_words(chunk: str) -> list[str]:
    """Pinyin of a run of Han characters as words: four or six characters are read as two-character
    words (a place and a brand: 天津源博 -> tianjin yuanbo), other lengths as one word."""
    if not chunk:
        return []
    parts = [chunk[i : i + 2] for i in range(0, len(chunk), 2)] if len(chunk) in (4, 6) else [chunk]
    out = []
    for part in parts:
        word = "".join(_TOKEN.findall(to_ascii(part).lower()))
        if word:
            out.append(word)
    return out


def _han_translated(word: str, t: Terms) -> list[str] | None:
    """A Han firm name with its business words in English (``han_terms``), the rest in pinyin and
    place markers dropped; None when it holds no business word."""
    for suffix in _HAN_LEGAL:
        if word.endswith(suffix) and len(word) > len(suffix):
            word = word[: -len(suffix)]
            break
    longest = max((len(k) for k in t.han_terms), default=0)
    out: list[str] = []
    pending = ""
    found = False
    i = 0
    while i < len(word):
        term = next(
            (
                word[i : i + n]
                for n in range(min(longest, len(word) - i), 1, -1)
                if word[i : i + n] in t.han_terms
            ),
            None,
        )
        if term is not None:
            out += _pinyin_words(pending) + list(t.han_terms[term])
            pending, found = "", True
            i += len(term)
        elif word[i] in t.han_markers and pending:
            out += _pinyin_words(pending)
            pending = ""
            i += 1
        else:
            pending += word[i]
            i += 1
    out += _pinyin_words(pending)
    return out if found else None


@cache
def _phrase_key(phrase: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(spelling_key(w) for w in phrase)


def _remove_phrases(
    seq: list[tuple[int, str]], phrases: tuple[tuple[str, ...], ...], found: list[str]
) -> list[tuple[int, str]]:
    """Remove every occurrence of the phrases (longest first) from the token sequence; words of
    five letters or more compare on ``russian.spelling_key``, so that every romanisation of
    "obshchestvo s ogranichennoi otvetstvennostyu" is one phrase."""
    toks = [spelling_key(t) for _, t in seq]
    present = set(toks)
    drop = [False] * len(toks)
    for written in phrases:
        phrase = _phrase_key(written)
        if phrase[0] not in present:
            continue
        n = len(phrase)
        for i in range(len(toks) - n + 1):
            if not any(drop[i : i + n]) and tuple(toks[i : i + n]) == phrase:
                for j in range(i, i + n):
                    drop[j] = True
                found.append(" ".join(written))
    return [item for item, d in zip(seq, drop, strict=True) if not d]


def _strip_affixes(
    seq: list[tuple[int, str]], affixes: frozenset[str], found: list[str], keep: int = 2
) -> list[tuple[int, str]]:
    """Affix words removed at either end, leaving at least ``keep`` words."""
    while len(seq) > keep and seq[0][1] in affixes:
        found.append(seq[0][1])
        seq = seq[1:]
    while len(seq) > keep and seq[-1][1] in affixes:
        found.append(seq[-1][1])
        seq = seq[:-1]
    return seq


def _strip_titles(
    seq: list[tuple[int, str]], titles: tuple[tuple[str, ...], ...], found: list[str]
) -> list[tuple[int, str]]:
    """Titles and offices (longest first) removed from the start while two words of the name remain."""
    removed = True
    while removed:
        removed = False
        head = tuple(tok for _, tok in seq[:4])
        for title in titles:
            if len(seq) - len(title) >= 2 and head[: len(title)] == title:
                found.append(" ".join(title))
                seq = seq[len(title) :]
                removed = True
                break
    return seq


def _glue(seq: list[tuple[int, str]], particles: frozenset[str]) -> tuple[str, ...]:
    words: list[str] = []
    last = None
    for idx, tok in seq:
        if idx == last:
            words[-1] += tok
        else:
            words.append(tok)
        last = idx
    glued: list[str] = []
    pending = ""
    for w in words:
        if w in particles:
            pending += w
            continue
        glued.append(pending + w)
        pending = ""
    if pending:
        glued.append(pending)
    return tuple(glued)


@lru_cache(maxsize=500_000)
def analyse(name: str, kind: str | None = None) -> NameForm:
    """The comparable form of ``name``; ``kind`` is person, company or None."""
    t = terms()
    text = clean(name)
    person = kind == _PERSON
    org = kind in _ORG_KINDS
    scripts = scripts_of(text)
    seq: list[tuple[int, str]] = []
    idx = 0
    words = [w for w in _WORD_SPLIT.split(text) if w]
    # a name written with a middle dot between its parts is a foreign name written by its sounds
    foreign = len(words) > 1 and bool(_NAME_DOTS.search(text))
    written: list[tuple[list[str], str]] = []  # glued words with what they were read from
    for word in words:
        one_name = len(words) == 1 and (person or (kind is None and len(word) <= 4))
        if not word.isascii() and "Han" in scripts_of(word):
            # family + given name only when the name is one word of Han characters
            groups = _han_words(word, one_name, foreign)
        elif not word.isascii() and "Hangul" in scripts_of(word):
            groups = _hangul_words(word, one_name)
        else:
            groups = [(_TOKEN.findall(to_ascii(word).lower()), word)]
        for group, part in groups:
            seq.extend((idx, tok) for tok in group)
            written.append((group, part))
            idx += 1
    legal: list[str] = []
    affixes: list[str] = []
    if not person:
        seq = _remove_phrases(seq, t.legal_forms, legal)
        if org or legal:
            seq = _remove_phrases(seq, t.legal_forms_short, legal)
        if (org or legal) and not text.isascii():
            # rigour knows legal forms in many more languages than our list
            stripped = remove_org_types(text.casefold())
            if stripped.strip() and stripped != text.casefold():
                kept = set(_TOKEN.findall(to_ascii(stripped).lower()))
                seq = [(i, tok) for i, tok in seq if tok in kept] or seq
    # an honorific or degree added to any name (Col., Eng., Prof., Jr.)
    seq = _strip_affixes(seq, t.honorifics, affixes, keep=2 if person else 1)
    if not org and not legal:
        seq = _strip_titles(seq, t.person_titles, affixes)
        seq = _strip_affixes(seq, t.person_affixes, affixes)
        prefixed = remove_person_prefixes(text)
        if prefixed != text and len(seq) > 2:
            first = _TOKEN.findall(to_ascii(text[: len(text) - len(prefixed)]).lower())
            while first and seq and seq[0][1] == first[0] and len(seq) > 2:
                affixes.append(first.pop(0))
                seq = seq[1:]
    if not seq:
        return NameForm(name, (), (), tuple(legal), tuple(affixes), scripts)
    tokens = tuple(tok for _, tok in seq)
    glued = _glue(seq, t.particles)
    translated: list[str] = []
    if not person and "Han" in scripts and t.han_terms:
        hit = False
        for word in words:
            han = _han_translated(word, t) if not word.isascii() and "Han" in scripts_of(word) else None
            hit = hit or han is not None
            translated += han if han is not None else [w for w in _TOKEN.findall(to_ascii(word).lower()) if w]
        no_legal = [w for w in translated if (w,) not in t.legal_forms and (w,) not in t.legal_forms_short]
        translated = no_legal if hit else []
    elif not person and scripts <= _RUSSIAN_SCRIPTS:
        # the soft sign's apostrophe (SUDOSTROITEL'NAYA) is inside a word here
        whole = [
            tok
            for w in _WORD_SPLIT.split(text.translate(_APOSTROPHES))
            for tok in _TOKEN.findall(to_ascii(w).lower())
        ]
        russian = translated_words(whole)
        if russian:  # with the legal forms the translation spelt out (federal state unitary enterprise)
            english = _remove_phrases(list(enumerate(russian)), t.legal_forms, legal)
            english = _remove_phrases(english, t.legal_forms_short, legal)
            translated = [w for _, w in english] or russian
    sounds: list[tuple[str, str]] = []
    if scripts & LOSSY_SCRIPTS:
        kept = set(glued)
        split = set(tokens)
        for group, part in written:
            tok = "".join(group)
            if tok in kept and scripts_of(part) & LOSSY_SCRIPTS and sound_keys(part):
                sounds.append((tok, foreign_word(part) if foreign else part))
            if len(group) > 1 and len(group) == len(part) and "Hangul" in scripts_of(part):
                # a Korean given name's syllables, each also read on its own (정은: Jong Un)
                sounds += [(t, ch) for t, ch in zip(group, part, strict=True) if t in split and t not in kept]
    return NameForm(
        name, tokens, glued, tuple(legal), tuple(affixes), scripts, tuple(translated), tuple(sounds)
    )


_OCR = str.maketrans(
    {"0": "o", "1": "l", "5": "s", "8": "b", "6": "g", "4": "a", "3": "e", "7": "t", "i": "l"}
)


@lru_cache(maxsize=500_000)
def ocr_key(token: str) -> str:
    """A token with the usual OCR confusions folded (0/o, 1/l/i, 5/s, rn/m...)."""
    t = token.replace("rn", "m").replace("vv", "w").replace("cl", "d")
    return t.translate(_OCR)


_PHON_RULES = (
    ("sch", "sh"),
    ("ph", "f"),
    ("ck", "k"),
    ("dh", "d"),
    ("th", "t"),
    ("kh", "h"),
    ("gh", "g"),
    ("ou", "u"),
    ("x", "ks"),
    ("q", "k"),
    ("z", "s"),
    ("w", "v"),
)
_VOWELS = re.compile(r"[aeiouy]+")
_REPEAT = re.compile(r"(.)\1+")
_SILENT_H = re.compile(r"(?<=[cdgkpstz])h")


@lru_cache(maxsize=500_000)
def phonetic_key(token: str) -> str:
    """A consonant skeleton: vowels dropped, c/k/q, z/s, w/v, ph/f folded, doubles collapsed.

    ``benjamin``, ``bnjmn`` and ``bennjamin`` share ``bnjmn``; ``garcia``
    and ``grc`` share ``grk``. Used to meet words written without vowels.
    """
    t = ocr_key(token) if any(ch.isdigit() for ch in token) else token
    for a, b in _PHON_RULES:
        t = t.replace(a, b)
    t = t.replace("c", "k")
    if len(t) > 2 and t.endswith("h"):
        t = t[:-1]
    # h after a consonant is silent in most romanisations (sh, kh, gh ...)
    t = _SILENT_H.sub("", _REPEAT.sub(r"\1", t))
    t = _VOWELS.sub("", t)
    return _REPEAT.sub(r"\1", t)
