"""Transliteration and CP1251 folding for generated names.

Two romanisations of Russian are used on purpose (a passport-like one and a looser one),
because real records spell the same firm both ways.
"""

from __future__ import annotations

import re
import unicodedata

_BGN = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
}
_LOOSE = dict(_BGN, **{"х": "h", "ц": "c", "й": "i", "щ": "sch", "ю": "iu", "я": "ia", "ж": "j"})

# Letters outside CP1251 and how Russian customs records usually write them.
_FOLD = {
    "ş": "s",
    "Ş": "S",
    "ğ": "g",
    "Ğ": "G",
    "ı": "i",
    "İ": "I",
    "ç": "c",
    "Ç": "C",
    "ö": "o",
    "Ö": "O",
    "ü": "u",
    "Ü": "U",
    "ä": "a",
    "Ä": "A",
    "ß": "ss",
    "é": "e",
    "è": "e",
    "É": "E",
    "à": "a",
    "ł": "l",
    "Ł": "L",
    "ą": "a",
    "ę": "e",
    "ś": "s",
    "ż": "z",
    "ź": "z",
    "ń": "n",
    "ó": "o",
    "ć": "c",
    "ř": "r",
    "ě": "e",
    "ž": "z",
    "š": "s",
    "č": "c",
    "ý": "y",
    "á": "a",
    "í": "i",
    "ú": "u",
    "ů": "u",
    "Ž": "Z",
    "Š": "S",
    "Č": "C",
    "Ř": "R",
    "’": "'",
}
_GERMAN = {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}


def _table(mapping: dict[str, str]) -> dict[int, str]:
    out = {ord(k): v for k, v in mapping.items()}
    out.update({ord(k.upper()): v.capitalize() for k, v in mapping.items()})
    out.update({ord("«"): '"', ord("»"): '"'})
    return out


_TABLES = {False: _table(_BGN), True: _table(_LOOSE)}
_WORD = re.compile(r"\w+")


def ru_latin(text: str, loose: bool = False) -> str:
    """Romanise Cyrillic text (all-capital words stay all-capital); other characters pass through."""
    table = _TABLES[loose]

    def word(m: re.Match[str]) -> str:
        w = m.group()
        out = w.translate(table)
        return out.upper() if len(w) > 1 and w.isupper() else out

    return _WORD.sub(word, text).translate(table)


def is_cp1251(text: str) -> bool:
    try:
        text.encode("cp1251")
    except UnicodeEncodeError:
        return False
    return True


def fold_cp1251(text: str, german: bool = False) -> str:
    """Fold text so that it encodes in CP1251; raises ValueError if that is impossible."""
    if is_cp1251(text):
        return text
    table = dict(_FOLD, **_GERMAN) if german else _FOLD
    out = "".join(table.get(ch, ch) for ch in text)
    if not is_cp1251(out):
        decomposed = unicodedata.normalize("NFKD", out)
        out = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    if not is_cp1251(out):
        raise ValueError(f"cannot fold to CP1251: {text!r}")
    return out


def tr_upper(text: str) -> str:
    """Upper-case with Turkish dotted/dotless i."""
    return text.replace("i", "İ").replace("ı", "I").upper()


def latin1_view(text: str) -> str:
    """The CP1251 bytes of text, viewed as Latin-1 characters (for fast streaming encode)."""
    return text.encode("cp1251").decode("latin-1")


def has_cyrillic(text: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in text)
