"""Identifiers: comparable keys and checksum checks (python-stdnum).

Lists and trade records write the same number in many ways ("ИНН
7702080289", "7702080289", "77 0208 0289"); :func:`id_key` keeps letters
and digits, upper case, so they join. :func:`describe` says what a value is
when a checksum recognises it: a Russian INN (10 digits for firms, 12 for
people) or OGRN (13 or 15 digits), a Chinese unified social credit code, a
Turkish VKN, a Ukrainian EDRPOU, a Belarusian UNP, an LEI, an IMO number.
A match on a value no checksum recognises still counts (lists print
identifiers their own way), but the explanation says it was not checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from stdnum import imo, lei
from stdnum.by import unp
from stdnum.cn import uscc
from stdnum.ru import inn, ogrn
from stdnum.tr import vkn
from stdnum.ua import edrpou

__all__ = ["STRONG_TYPES", "IdCheck", "describe", "id_key", "is_valid_inn", "is_valid_ogrn"]

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")
_LABEL = re.compile(r"^(?:inn|инн|ogrn|огрн|tax\s*id|imo|lei|uscc|vkn|unp|edrpou)[\s.:№#-]*", re.IGNORECASE)

# identifier types that name one legal person: an exact match decides
STRONG_TYPES = frozenset(
    {
        "tax_id",
        "registration_no",
        "inn",
        "ogrn",
        "vat",
        "uscc",
        "lei",
        "imo",
        "swift_bic",
        "okpo",
        "duns",
        "national_id",
        "passport",
        "mmsi",
        "aircraft_serial",
        "crypto_wallet",
    }
)


@dataclass(frozen=True)
class IdCheck:
    """What a value is, by checksum: ``scheme`` (e.g. ``ru-inn``) and a description."""

    scheme: str
    description: str


def id_key(value: str | None) -> str | None:
    """Letters and digits only, upper case, a leading label ("INN", "ИНН") dropped."""
    if not value:
        return None
    key = _NON_ALNUM.sub("", _LABEL.sub("", value.strip())).upper()
    return key or None


def is_valid_inn(value: str) -> bool:
    """A Russian taxpayer number (INN) with valid check digits."""
    return bool(inn.is_valid(value))


def is_valid_ogrn(value: str) -> bool:
    """A Russian state registration number (OGRN/OGRNIP) with a valid check digit."""
    return bool(ogrn.is_valid(value))


_CHECKS: tuple[tuple[str, str, Callable[[str], bool]], ...] = (
    ("ru-inn", "Russian tax number (INN), check digits valid", is_valid_inn),
    ("ru-ogrn", "Russian registration number (OGRN), check digit valid", is_valid_ogrn),
    ("cn-uscc", "Chinese unified social credit code, check character valid", uscc.is_valid),
    ("tr-vkn", "Turkish tax number (VKN), check digit valid", vkn.is_valid),
    ("ua-edrpou", "Ukrainian EDRPOU code, check digit valid", edrpou.is_valid),
    ("by-unp", "Belarusian payer number (UNP), check digit valid", unp.is_valid),
    ("lei", "Legal Entity Identifier, check digits valid", lei.is_valid),
    ("imo", "IMO ship number, check digit valid", lambda v: bool(imo.is_valid("IMO" + v))),
)


@lru_cache(maxsize=100_000)
def describe(value: str, country: str | None = None) -> IdCheck | None:
    """The first checksum scheme the value passes (Russian first for RU or unknown country)."""
    key = id_key(value)
    if not key:
        return None
    for scheme, description, check in _CHECKS:
        if country and scheme[:2].upper() != country.upper() and scheme[2] == "-":
            continue
        try:
            if check(key):
                return IdCheck(scheme, description)
        except Exception:  # stdnum raises on some malformed input
            continue
    return None
