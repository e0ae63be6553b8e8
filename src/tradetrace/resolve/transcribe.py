"""Names written in a script whose Latin reading is only a sketch of the sounds.

A name in Arabic, Hebrew, Hangul, kana, Chinese, Devanagari, Bengali, Thai,
Khmer, Myanmar... is a *transcription*: the writer chose the letters of their
own script that sound closest to the name, so its Latin reading rarely spells
the list's Latin name. ``فلاديمير بوتين`` reads ``fladymyr bwtyn`` (no short
vowels, ``w`` for a long ``u``), ``プーチン`` ``puchin`` (``chi`` for ``ti``),
``普京`` ``pujing``, ``블라디미르`` ``beulladimireu`` (vowels inserted, ``l``
for ``r``).

What survives the trip is the order of consonant *classes*. ``sound_keys``
reads a word into ASCII twice (ICU through rigour, and anyascii, which also
knows Khmer, Myanmar and Tibetan) and turns each reading into a skeleton:

* vowels, ``h`` and the vowel letters of the abjads (``w``, ``y``) dropped;
* consonants folded to classes that transcriptions swap: ``p b f v w``,
  ``t d``, ``s z``, ``k g q c``, ``l r``, ``m``, ``n`` (``ng`` at a syllable's
  end is ``n``);
* letters that stand for either of two classes (``j`` and ``ch`` are ``t``
  in ``puchin``/``pujing`` and ``s`` or ``k`` elsewhere, a word-initial ``w``
  is a consonant or a vowel) give every reading, a few at most;
* doubled letters count once.

Two words meet when a skeleton is shared, or when one skeleton is the other
less its first or last class (a vowel-initial ``ウラジーミル`` has lost the
``v`` of ``Vladimir``). How well they meet then depends on the vowels too
(:func:`fine_sim`): ``pujing`` follows ``putin`` letter for letter once folded,
``sona`` does not follow ``husain``. The keys are only used between a word written in such a script
and a Latin one (see :class:`tradetrace.resolve.index.ListIndex`): Latin
spellings of each other keep the stricter comparisons.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from itertools import product
from typing import Any

from anyascii import anyascii
from rapidfuzz.distance import Indel
from rigour.text import ascii_text

__all__ = [
    "FLOOR",
    "LOSSY_SCRIPTS",
    "deletions",
    "fine_sim",
    "fold",
    "foreign_word",
    "min_fine",
    "native_close",
    "readings",
    "skeletons",
    "sound_keys",
    "transcription_sim",
    "written_sim",
]

# Scripts whose romanisation does not give back the Latin spelling of a foreign name.
LOSSY_SCRIPTS = frozenset(
    {
        "Arabic",
        "Hebrew",
        "Syriac",
        "Thaana",
        "Hangul",
        "Hiragana",
        "Katakana",
        "Han",
        "Devanagari",
        "Bengali",
        "Gurmukhi",
        "Gujarati",
        "Oriya",
        "Tamil",
        "Telugu",
        "Kannada",
        "Malayalam",
        "Sinhala",
        "Thai",
        "Lao",
        "Khmer",
        "Myanmar",
        "Tibetan",
        "Ethiopic",
        "Georgian",
        "Armenian",
        "Greek",
        "Mongolian",
    }
)

_LETTERS = re.compile(r"[a-z]+")
_DIGRAPHS = (
    ("sch", "S"),
    ("tch", "C"),
    ("dzh", "C"),
    ("ch", "C"),
    ("sh", "S"),
    ("zh", "J"),
    ("ph", "f"),
    ("th", "t"),
    ("kh", "k"),
    ("gh", "g"),
    ("dh", "d"),
    ("ts", "s"),
    ("tz", "s"),
    ("dz", "s"),
    ("ck", "k"),
    ("qu", "k"),
    ("x", "ks"),
)
_SOFT_C = re.compile(r"c(?=[eiy])")
_NG = re.compile(r"ng(?![aeiouy])")
_VOWELS = frozenset("aeiouy")
# one class per letter, or several for a letter that transcriptions read more than one way
_CLASSES: dict[str, tuple[str, ...]] = {
    "p": ("b",),
    "b": ("b",),
    "f": ("b",),
    "v": ("b",),
    "t": ("t",),
    "d": ("t",),
    "s": ("s",),
    "z": ("s",),
    "S": ("s",),
    "k": ("k",),
    "g": ("k",),
    "q": ("k",),
    "c": ("k",),
    "C": ("t", "s"),  # ch: ti in kana (puchin), tsh in Russian names
    "j": ("t", "s", "k"),  # pinyin j for t (pujing), dzh, Arabic jim for g
    "J": ("s", "t"),
    "l": ("r",),
    "r": ("r",),
    "m": ("m",),
    "n": ("n",),
}
MAX_KEYS = 8


# vowels a script adds between consonants that the name does not have (Korean eu, Japanese u and o)
_EPENTHETIC = {
    "HANGUL": re.compile(r"eu(?![aeiouy])"),
    "KATAKANA": re.compile(r"(?<=[bdfgkmprstvz])[uo](?![aeiouy])"),
    "HIRAGANA": re.compile(r"(?<=[bdfgkmprstvz])[uo](?![aeiouy])"),
}


def _script_head(word: str) -> str:
    for ch in word:
        if ch.isalpha():
            return unicodedata.name(ch, "").split(" ", 1)[0]
    return ""


# ICU's Arabic-Latin marks the letters a Latin spelling writes as vowels: ayn and hamza (ʿ ʾ), and the
# feminine ending ة (ẗ); read them as a, so that علي is aly (Ali), not ly
_ARABIC_VOWELISH = str.maketrans({"ʿ": "a", "ʾ": "a", "ẗ": "a"})
# Persian, Urdu and the Turkic languages say ذ ض ظ as z and ث as s (رمضان, Ramzan; ذاکر, Zakir)
# where Arabic says dh, d, z and th: one more reading with those values
_PERSIAN_VALUES = str.maketrans({"\u0630": "z", "\u0636": "z", "\u0638": "z", "\u062b": "s"})


_ARABIC_ARTICLE = "\u0627\u0644"  # al-


@cache
def _arabic_latin() -> Any:
    import icu  # PyICU, through normality

    return icu.Transliterator.createInstance("Arabic-Latin")


@lru_cache(maxsize=200_000)
def readings(word: str) -> tuple[str, ...]:
    """ASCII readings of one written word (letters only, lower case), ICU's first; for Hangul and kana
    also the reading without the vowels the script inserts between consonants; for Arabic, one with
    ayn, hamza and the feminine ending read as ``a``, and those of the word without its article."""
    out: list[str] = []
    first = [ascii_text(word), anyascii(word)]
    if _script_head(word) == "ARABIC":
        first.append(ascii_text(_arabic_latin().transliterate(word).translate(_ARABIC_VOWELISH)))
        persian = word.translate(_PERSIAN_VALUES)
        if persian != word:
            first.append(ascii_text(_arabic_latin().transliterate(persian)))
        if word.startswith(_ARABIC_ARTICLE) and len(word) >= 5:
            # the article written on (الشاهبندر), where a Latin list writes the name without it
            first += readings(word[len(_ARABIC_ARTICLE) :])
    for reading in first:
        joined = "".join(_LETTERS.findall(reading.lower()))
        if joined and joined not in out:
            out.append(joined)
    if _script_head(word) == "HANGUL":
        out += [r for r in _korean_spellings(out[0]) if r not in out] if out else []
    pattern = _EPENTHETIC.get(_script_head(word))
    if pattern is not None:
        for r in list(out):
            bare = pattern.sub("", r)
            if bare and bare not in out:
                out.append(bare)
    return tuple(out)


# ICU writes Hangul in the Revised Romanization (2000); lists mostly write Korean names as
# McCune-Reischauer (1939) without its breves, or as North Korea's official spelling of it: eo and eu
# are o and u there, and a word's first g, d, b, j are k, t, p, ch in McCune-Reischauer
_RR_VOWELS = (("eo", "o"), ("eu", "u"))
_MR_INITIAL = {"g": "k", "d": "t", "b": "p", "j": "ch"}


def _korean_spellings(rr: str) -> list[str]:
    """The other spellings of a Korean word read in the Revised Romanization (``jeong``: ``jong``,
    ``chong``)."""
    dprk = rr
    for a, b in _RR_VOWELS:
        dprk = dprk.replace(a, b)
    mr = _MR_INITIAL.get(dprk[:1], dprk[:1]) + dprk[1:] if dprk else dprk
    return list(dict.fromkeys(x for x in (dprk, mr) if x != rr))


def _letters(ascii_word: str) -> str:
    """A word with its digraphs as one letter (ch -> C, sh -> S, th -> t ...), a soft c as s and a
    syllable-final ng as n."""
    t = _NG.sub("n", ascii_word.lower())
    for a, b in _DIGRAPHS:
        t = t.replace(a, b)
    return _SOFT_C.sub("s", t)


@lru_cache(maxsize=500_000)
def skeletons(ascii_word: str) -> frozenset[str]:
    """Consonant-class skeletons of an ASCII word (a few when letters are ambiguous). A ``kh`` (the
    Russian х, the Arabic and Persian خ) is also read as the ``h`` that kana, Hangul and Chinese
    write for it (Khamenei: ハーメネイー, 하메네이, 哈梅内伊)."""
    keys = _skeletons(ascii_word)
    if "kh" in ascii_word:
        keys |= _skeletons(ascii_word.replace("kh", "h"))
    return keys


def _skeletons(ascii_word: str) -> frozenset[str]:
    t = _letters(ascii_word)
    choices: list[tuple[str, ...]] = []
    last = ""
    for i, ch in enumerate(t):
        if ch == last:
            continue  # a doubled letter
        last = ch
        if ch in _VOWELS or ch == "h":
            continue
        if ch == "w":
            # a vowel letter in the abjads (bwtyn), a consonant at the start of a word
            if i == 0:
                choices.append(("b", ""))
            continue
        cls = _CLASSES.get(ch)
        if cls:
            choices.append(cls)
    keys: set[str] = set()
    for combo in product(*choices) if choices else [()]:
        keys.add("".join(c for c in combo if c))
        if len(keys) >= MAX_KEYS:
            break
    keys.discard("")
    return frozenset(keys)


_GREEK_DIGRAPHS = (("nt", "d"), ("mp", "b"), ("gk", "g"), ("gg", "ng"))


@lru_cache(maxsize=200_000)
def sound_keys(word: str) -> frozenset[str]:
    """Skeletons of every ASCII reading of a written word (see the module text)."""
    keys: set[str] = set()
    for r in readings(word) if not word.isascii() else (word.lower(),):
        keys |= skeletons(r)
        if _script_head(word) == "GREEK":
            # Greek writes d, b, g of foreign names as ντ, μπ, γκ
            for a, b in _GREEK_DIGRAPHS:
                r = r.replace(a, b)
            keys |= skeletons(r)
    return frozenset(keys)


def deletions(key: str) -> set[str]:
    """A skeleton less its first or its last class (only for skeletons of five classes or more):
    a transcription loses a leading consonant (``ウラジーミル`` for Vladimir) or gains an article
    (``التكريتي``, al-Tikriti)."""
    if len(key) < 5:
        return set()
    return {key[1:], key[:-1]}


_FOLD_VOWELS = {"a": "a", "e": "a", "i": "i", "y": "i", "o": "u", "u": "u", "w": "u"}


@lru_cache(maxsize=500_000)
def fold(ascii_word: str) -> str:
    """A word with its consonants in their classes and its vowels in three (a/e, i/y, o/u/w), ``h``
    dropped and repeats collapsed: the finer comparison once two skeletons agree."""
    t = _letters(ascii_word)
    out: list[str] = []
    for ch in t:
        c = _FOLD_VOWELS.get(ch) or (_CLASSES.get(ch) or ("",))[0]
        if c and (not out or out[-1] != c):
            out.append(c)
    return "".join(out)


def fine_sim(word: str, candidate: str) -> float:
    """How closely the best reading of a written ``word`` follows an ASCII ``candidate``, vowels
    included (0 to 1; Indel similarity of the folded forms)."""
    target = fold(candidate)
    return max((Indel.normalized_similarity(fold(r), target) for r in readings(word)), default=0.0)


# Chinese and Korean names are mostly written natively (张, 김), with a romanisation that is exact:
# a transcription into these scripts must follow the Latin name closely to count
_NATIVE_FINE = {"CJK": 0.85, "HANGUL": 0.85}
FLOOR = 0.75
# how a word of a name written with middle dots between its parts (拉姆赞·卡德罗夫) is passed on: it
# is known to write a foreign name's sounds, so the closeness asked of native names does not apply
FOREIGN_MARK = "\u00b7"


def foreign_word(word: str) -> str:
    """``word`` marked as part of a foreign name written by its sounds (see :func:`min_fine`)."""
    return word if word.endswith(FOREIGN_MARK) else word + FOREIGN_MARK


def native_close(word: str, candidate: str) -> bool:
    """Whether a word written in Han characters, not marked foreign, is spelt close enough to an
    ASCII ``candidate`` letter for letter (Indel similarity 0.8 or more with its pinyin): Chinese
    writes its own names in characters, with an exact romanisation, and foreign names with middle
    dots; the folded comparison of :func:`fine_sim` alone would take the syllable ``wen`` for
    ``wang``. (Korean writes foreign names in Hangul with spaces, as its own, so Hangul is left to
    :func:`min_fine`.)"""
    if word.endswith(FOREIGN_MARK) or _script_head(word) != "CJK":
        return True
    return max((Indel.normalized_similarity(r, candidate) for r in readings(word)), default=0.0) >= 0.8


def min_fine(word: str) -> float:
    """The least :func:`fine_sim` at which a word written in this script counts as a transcription
    (none for a word marked by :func:`foreign_word`)."""
    if word.endswith(FOREIGN_MARK):
        return 0.0
    return _NATIVE_FINE.get(_script_head(word), 0.0)


def written_sim(word: str, latin: str, shared: str, one_deleted: bool) -> float:
    """Similarity of a ``word`` written in a transcribing script and a ``latin`` word whose skeletons
    agree on ``shared`` (less one class when ``one_deleted``): :func:`transcription_sim` of their
    :func:`fine_sim`, or 0 when it falls under :data:`FLOOR` or the word's script asks for closer
    spelling (:func:`min_fine`, :func:`native_close`)."""
    fine = fine_sim(word, latin)
    sim = transcription_sim(shared, one_deleted, fine)
    if sim < FLOOR or fine < min_fine(word) or not native_close(word, latin):
        return 0.0
    return sim


def transcription_sim(shared: str, one_deleted: bool, fine: float) -> float:
    """Similarity of a written word and a Latin word whose skeletons agree on ``shared``, lowered as
    their vowels and letters part (``fine``, see :func:`fine_sim`). A one-consonant word (Ali, Taha)
    counts only when its vowels agree too."""
    if len(shared) <= 1 and fine < 0.9:
        return 0.0
    base = 0.92 if len(shared) >= 3 else 0.88 if len(shared) == 2 else 0.85
    return round(base - (0.04 if one_deleted else 0.0) - 0.6 * (1.0 - fine), 4)
