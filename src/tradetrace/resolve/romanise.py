"""Russian names in the romanisation conventions people actually meet.

A Russian name reaches a sanctions list, a register or a newspaper in many Latin spellings:
"Vladimir Vladimirovich Putin" (BGN/PCGN, passports), "Wladimir Wladimirowitsch Putin" (German),
"Władimir Władimirowicz Putin" (Polish), "Vlagyimir Vlagyimirovics Putyin" (Hungarian)...

* ``romanise(text, convention)`` writes Cyrillic in one convention: the English-language,
  passport and scientific systems through the ``iuliia`` library (BGN/PCGN, ICAO Doc 9303,
  GOST 7.79, ISO 9, MVD, the French passport system ...), the other languages' conventions from
  ``data/resolve/romanisation.yaml`` (German, Polish, Czech, Hungarian, Danish/Norwegian, Catalan,
  Lithuanian);
* ``cyrillic_from_latin(text)`` gives the likely Cyrillic of a name written in an English-style
  romanisation (as lists write Russian names), so that every convention can be generated from a
  list entry.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

__all__ = [
    "IUUILIA_CONVENTIONS",
    "coarse_key",
    "coarse_letters",
    "convention_keys",
    "conventions",
    "cyrillic_from_latin",
    "romanise",
]

# iuliia schema names, by the convention each stands for
IUUILIA_CONVENTIONS = {
    "bgn_pcgn": "bgn_pcgn",
    "icao": "icao_doc_9303",
    "gost_779": "gost_779_alt",
    "iso_9": "iso_9_1968",
    "mvd_310": "mvd_310",
    "mvd_782": "mvd_782",
    "scientific": "scientific",
    "wikipedia": "wikipedia",
    "french": "mvd_310_fr",
}
_VOWELS = set("аеёиоуыэюя")
_HUSHING = set("жчшщц")
_SOFTENING = set("еёиьюя")


@cache
def _table() -> dict[str, dict[str, Any]]:
    text = resources.files("tradetrace").joinpath("data", "resolve", "romanisation.yaml").read_text("utf-8")
    data: dict[str, dict[str, Any]] = yaml.safe_load(text)
    return data


def conventions() -> tuple[str, ...]:
    return (*IUUILIA_CONVENTIONS, *_table())


@cache
def _schema(name: str) -> Any:
    import iuliia  # type: ignore[import-untyped]

    return iuliia.schemas.get(name)


def romanise(text: str, convention: str) -> str:
    """``text`` with its Cyrillic letters written in ``convention`` (other characters kept)."""
    if convention in IUUILIA_CONVENTIONS:
        schema = _schema(IUUILIA_CONVENTIONS[convention])

        def one(word: str) -> str:  # iuliia writes "YeVGENIY" for ЕВГЕНИЙ: capitals done here
            if word.isupper() and len(word) > 1:
                return str(schema.translate(word.lower())).upper()
            return str(schema.translate(word))

        return _by_word(text, _CYRILLIC, one)
    rules = _table().get(convention)
    if rules is None:
        raise ValueError(f"unknown convention {convention!r}; known: {', '.join(conventions())}")
    return _by_word(text, set(rules["letters"]), lambda word: _word(word, rules))


_CYRILLIC = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")
_ASCII_LETTERS = set(string.ascii_lowercase)


def _by_word(text: str, letters: set[str], fn: Callable[[str], str]) -> str:
    """``fn`` applied to each run of ``letters`` (any case) in ``text``; the rest kept."""
    out, word = [], []
    for ch in text:
        if ch.lower() in letters:
            word.append(ch)
            continue
        if word:
            out.append(fn("".join(word)))
            word = []
        out.append(ch)
    if word:
        out.append(fn("".join(word)))
    return "".join(out)


def _word(word: str, rules: dict[str, Any]) -> str:
    low = word.lower()
    letters: dict[str, str] = rules["letters"]
    iotated: dict[str, str] = rules.get("iotated", {})
    hushing: dict[str, str] = rules.get("after_hushing", {})
    palatal: dict[str, str] = rules.get("palatal", {})
    after_palatal: dict[str, str] = rules.get("after_palatal", {})
    between: dict[str, str] = rules.get("between_vowels", {})
    soft = rules.get("soft_before_vowel")
    endings: dict[str, str] = rules.get("endings", {})
    ending = next(
        (e for e in sorted(endings, key=len, reverse=True) if low.endswith(e) and len(low) > len(e)), None
    )
    body = low[: -len(ending)] if ending else low
    parts = []
    for i, ch in enumerate(body):
        prev = body[i - 1] if i else ""
        nxt = body[i + 1] if i + 1 < len(body) else (ending[0] if ending else "")
        if ch in iotated and (not prev or prev in _VOWELS or prev in "ъь"):
            parts.append(iotated[ch])
        elif ch in after_palatal and prev in palatal:
            parts.append(after_palatal[ch])
        elif ch in hushing and prev in _HUSHING:
            parts.append(hushing[ch])
        elif ch in palatal and nxt in _SOFTENING:
            parts.append(palatal[ch])
        elif ch in between and prev in _VOWELS and nxt in _VOWELS:
            parts.append(between[ch])
        elif ch == "ь" and soft and nxt in _VOWELS and nxt not in iotated:
            parts.append(soft)
        else:
            parts.append(letters[ch])
    latin = "".join(parts) + (endings[ending] if ending else "")
    if rules.get("suffix_consonant") and low[-1] not in _VOWELS and low[-1] not in "йьъ" and not ending:
        latin += rules["suffix_consonant"]
    if word.isupper() and len(word) > 1:
        return latin.upper()
    if word[:1].isupper():
        return latin[:1].upper() + latin[1:]
    return latin


# ---------------------------------------------------------------------------- back to Cyrillic
_FROM_LATIN: tuple[tuple[str, str], ...] = (  # longest first; an English-style romanisation (BGN/PCGN, ICAO, MVD) read back
    ("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"), ("tz", "ц"), ("ch", "ч"),
    ("sh", "ш"), ("yu", "ю"), ("iu", "ю"), ("ya", "я"), ("ia", "я"), ("yo", "ё"), ("ye", "е"),
    ("a", "а"), ("b", "б"), ("v", "в"), ("w", "в"), ("g", "г"), ("d", "д"), ("e", "е"), ("z", "з"),
    ("i", "и"), ("y", "ы"), ("j", "й"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"),
    ("p", "п"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("f", "ф"), ("h", "х"), ("c", "к"),
    ("x", "кс"), ("q", "к"),
)  # fmt: skip


def cyrillic_from_latin(text: str) -> str:
    """The likely Cyrillic of a Russian name written in an English-style romanisation.

    Word-final ``iy``/``y`` after a consonant are read as ий/ый, ``ey``/``ay``/``oy`` as ей/ай/ой,
    a word-initial ``e`` as э and ``ye``/``yo``/``ya``/``yu`` as е/ё/я/ю. Letters that are not
    Latin are kept. The reading is a guess, good for the names lists hold, not a reversal.
    """
    return _by_word(text, _ASCII_LETTERS, _cyr_word)


def _cyr_word(word: str) -> str:
    low = word.lower()
    parts: list[str] = []
    i = 0
    while i < len(low):
        rest = low[i:]
        if i == 0 and rest[0] == "e":
            parts.append("э")
            i += 1
            continue
        if rest in ("iy", "yy", "ii") and parts:
            parts.append("ий" if rest != "yy" else "ый")
            break
        if rest == "y" and parts:
            parts.append("й" if parts[-1][-1] in _VOWELS else "ый")
            break
        if rest.startswith("ye") and parts and parts[-1][-1] not in _VOWELS:
            parts.append("ье")  # Gennadyevich: ye after a consonant is ье
            i += 2
            continue
        if (
            rest[0] == "y"
            and len(rest) > 1
            and rest[1] not in "aeiouy"
            and parts
            and parts[-1][-1] in _VOWELS
        ):
            parts.append("й")  # Sergey, Aleksey: a y between a vowel and a consonant
            i += 1
            continue
        for latin, cyr in _FROM_LATIN:
            if rest.startswith(latin):
                parts.append(cyr)
                i += len(latin)
                break
        else:
            parts.append(rest[0])
            i += 1
    cyr = "".join(parts)
    if word.isupper() and len(word) > 1:
        return cyr.upper()
    if word[:1].isupper():
        return cyr[:1].upper() + cyr[1:]
    return cyr


# ---------------------------------------------------------------------------- one comparison space
# Every convention's Latin spellings, read back into Cyrillic and then coarsened, meet in one key:
# "wladimirowitsch" (German), "wladimirowicz" (Polish), "vlagyimirovics" (Hungarian) and
# "vladimirovich" all give "вдадимировичь"-like keys that are equal. The coarsening merges what
# ASCII folding or the conventions themselves blur: the sibilants (з с ж ш), ц with ч, the i-sounds
# (и ы й), е э ё, ю with у and я with а; soft and hard signs and doubled letters go.
_FOLD = str.maketrans({"ł": "l", "ż": "z", "ź": "z", "ž": "z", "č": "c", "ć": "c", "š": "s", "ś": "s",
                       "ń": "n", "ě": "e", "ř": "r", "ë": "e", "ï": "i", "ŝ": "s", "û": "u", "â": "a",
                       "è": "e", "ʹ": "", "ʺ": "", "’": "", "'": "", "`": ""})  # fmt: skip
_KEY = str.maketrans({"з": "с", "ж": "с", "ш": "с", "ц": "ч", "ы": "и", "й": "и", "э": "е", "ё": "е",
                      "ю": "у", "я": "а", "ь": None, "ъ": None})  # fmt: skip
MIN_KEY = 3  # keys of words of at least four letters (``MIN_WORD``)
MIN_WORD = 4


_Reader = tuple[re.Pattern[str], dict[str, str]]  # graphemes as one alternation, and their Cyrillic


@cache
def _readers() -> tuple[tuple[str, _Reader], ...]:
    """Per convention, its reader (see :func:`_reader`) of (Latin grapheme, Cyrillic) pairs, longest
    grapheme first, ASCII-folded."""
    readers: list[tuple[str, tuple[tuple[str, str], ...]]] = [("english", _FROM_LATIN)]
    for name, rules in _table().items():
        pairs: dict[str, str] = {}
        for section in ("letters", "iotated", "after_hushing", "palatal", "after_palatal", "between_vowels"):
            for cyr, lat in (rules.get(section) or {}).items():
                folded = str(lat).translate(_FOLD).lower()
                if folded:
                    pairs.setdefault(folded, cyr)  # the plain letter first: it is the usual reading
        for cyr, lat in (rules.get("endings") or {}).items():
            pairs.setdefault(str(lat).translate(_FOLD).lower(), cyr)
        ordered = tuple(sorted(pairs.items(), key=lambda kv: (-len(kv[0]), kv[0])))
        readers.append((name, ordered))
    french = ("iou", "ю"), ("ou", "у"), ("tch", "ч"), ("ch", "ш"), ("gue", "ге"), ("gui", "ги"), ("j", "ж")
    readers.append(("french", tuple(sorted((*french, *_FROM_LATIN), key=lambda kv: (-len(kv[0]), kv[0])))))
    return tuple((name, _reader(pairs)) for name, pairs in readers)


def _read(token: str, reader: _Reader) -> str:
    """The token read left to right, at each place the first grapheme of the reader's pairs that fits."""
    pattern, table = reader
    return pattern.sub(lambda m: table[m.group()], token)


def _reader(pairs: tuple[tuple[str, str], ...]) -> _Reader:
    # an alternation tries its branches in order, as the pairs are ordered (longest first)
    table: dict[str, str] = {}
    for latin, cyr in pairs:
        table.setdefault(latin, cyr)
    return re.compile("|".join(re.escape(latin) for latin in table)), table


_GLIDE = re.compile(r"(?<=[бвгдзклмнпрстфхчс])и(?=[еоуа])")


def coarse_letters(cyrillic: str) -> str:
    """Cyrillic with what romanisations blur merged (see ``_KEY``) and doubled letters once."""
    return _single(cyrillic.lower().replace("щ", "сч").translate(_KEY))


def coarse_key(cyrillic: str) -> str:
    """``coarse_letters`` with a soft vowel after a consonant read as one (ия as я)."""
    return _coarse(cyrillic.lower())


def _coarse(cyrillic: str) -> str:
    key = cyrillic.replace("щ", "сч").translate(_KEY).replace("чо", "че")  # ё after ч, щ is often "e"
    key = _GLIDE.sub("", _single(key))  # ie, io, iu, ia after a consonant: a soft vowel (Vasiliev, Piotr)
    return _single(key)


def _single(text: str) -> str:
    """Doubled letters once."""
    return _DOUBLED.sub(r"\1", text)


_DOUBLED = re.compile(r"(.)\1+", re.DOTALL)


@lru_cache(maxsize=500_000)
def convention_keys(token: str) -> frozenset[str]:
    """Keys of an ASCII name word under each convention's reading; two words written from the same
    Russian word in different conventions share one. Empty for words too short to compare."""
    t = token.lower().translate(_FOLD)
    if len(t) < MIN_WORD or not t.isalpha():
        return frozenset()
    keys = set()
    for name, reader in _readers():
        word = t
        if name == "lithuanian":
            for ending, repl in (("ijus", "ii"), ("ejus", "ei"), ("as", "")):
                if word.endswith(ending) and len(word) - len(ending) >= 3:
                    word = word[: -len(ending)] + repl
                    break
        elif name == "french" and word.endswith("ine"):
            word = word[:-1]  # Poutine, Prigojine: the French add a mute e
        key = _coarse(_read(word, reader))
        if len(key) >= MIN_KEY:
            keys.add(key)
    return frozenset(keys)
