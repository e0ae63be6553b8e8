"""Identifiers: tax numbers with valid check digits, stable entity ids, id permutations."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from followthemoney.util import make_entity_id
from numpy.typing import NDArray
from stdnum import luhn
from stdnum.by import unp as by_unp
from stdnum.cn import uscc as cn_uscc
from stdnum.iso7064 import mod_11_10
from stdnum.jp import cn as jp_cn
from stdnum.kr import brn as kr_brn
from stdnum.pl import nip as pl_nip
from stdnum.ru import inn as ru_inn
from stdnum.tr import vkn as tr_vkn
from stdnum.tw import ubn as tw_ubn

NAMESPACE = "tradetrace-sim"

# Russian region codes (first two INN digits) used for generated firms.
RU_REGIONS = ("77", "78", "50", "66", "54", "16", "52", "63", "74", "61", "23", "59", "36", "71")


def stable_id(*parts: str) -> str:
    """A stable FollowTheMoney-style entity id for the given key parts."""
    out = make_entity_id(NAMESPACE, *parts)
    assert out is not None
    return out


def _digits(rng: np.random.Generator, n: int) -> str:
    return f"{int(rng.integers(0, 10**n)):0{n}d}" if n else ""


def inn_company(rng: np.random.Generator, region: str | None = None) -> str:
    """A valid 10-digit Russian INN of a legal entity."""
    reg = region or RU_REGIONS[int(rng.integers(len(RU_REGIONS)))]
    body = reg + f"{int(rng.integers(1, 50)):02d}" + _digits(rng, 5)
    return body + ru_inn.calc_company_check_digit(body)


def inn_person(rng: np.random.Generator) -> str:
    """A valid 12-digit Russian INN of a natural person."""
    reg = RU_REGIONS[int(rng.integers(len(RU_REGIONS)))]
    body = reg + f"{int(rng.integers(1, 50)):02d}" + _digits(rng, 6)
    return body + ru_inn.calc_personal_check_digits(body)


def ogrn(rng: np.random.Generator, year: int) -> str:
    """A 13-digit Russian OGRN with its check digit."""
    body = "1" + f"{year % 100:02d}" + _digits(rng, 9)
    return body + str(int(body) % 11 % 10)


def _with_check(rng: np.random.Generator, valid: Callable[[str], bool], make: Callable[[], str]) -> str:
    """Draw bodies and try every final digit until the validator accepts one."""
    for _ in range(200):
        body = make()
        for d in "0123456789":
            if valid(body + d):
                return body + d
    raise RuntimeError("no valid identifier found")


def tax_id(rng: np.random.Generator, country: str) -> str:
    """A plausible tax or registration number for a firm of the country."""
    match country:
        case "RU":
            return inn_company(rng)
        case "TR":
            body = _digits(rng, 9)
            return body + tr_vkn.calc_check_digit(body)
        case "CN":
            body = "91" + f"{int(rng.integers(110000, 650000)):06d}" + "MA" + _digits(rng, 7)
            return body + cn_uscc.calc_check_digit(body)
        case "TW":
            return _with_check(rng, tw_ubn.is_valid, lambda: _digits(rng, 7))
        case "DE":
            body = str(int(rng.integers(1, 10))) + _digits(rng, 7)
            return "DE" + body + mod_11_10.calc_check_digit(body)
        case "IT":
            body = _digits(rng, 7) + f"{int(rng.integers(1, 101)):03d}"
            return body + luhn.calc_check_digit(body)
        case "PL":
            return _with_check(rng, pl_nip.is_valid, lambda: _digits(rng, 9))
        case "FR":
            body = str(int(rng.integers(1, 10))) + _digits(rng, 7)
            return body + luhn.calc_check_digit(body)
        case "JP":
            body = _digits(rng, 12)
            return jp_cn.calc_check_digit(body) + body
        case "KR":
            return _with_check(rng, kr_brn.is_valid, lambda: str(int(rng.integers(1, 10))) + _digits(rng, 8))
        case "BY":
            return _with_check(rng, by_unp.is_valid, lambda: "1" + _digits(rng, 7))
        case "KZ":
            return f"{int(rng.integers(0, 22)):02d}{int(rng.integers(1, 13)):02d}4" + _digits(rng, 7)
        case "AM":
            return "0" + _digits(rng, 7)
        case "KG":
            return "0" + _digits(rng, 13)
        case "UZ":
            return str(int(rng.integers(2, 4))) + _digits(rng, 8)
        case "US":
            return f"{int(rng.integers(10, 99))}-{_digits(rng, 7)}"
        case "AE":
            return "100" + _digits(rng, 12)
        case "NL":
            return "NL" + _digits(rng, 9) + "B01"
        case _:
            return _digits(rng, 9)


def feistel(index: NDArray[np.int64], key: int, domain: int) -> NDArray[np.int64]:
    """A keyed bijection of [0, domain) (domain <= 2**24) applied to each index.

    Four Feistel rounds on 24 bits with cycle walking back into the domain, so consecutive
    indices give unrelated-looking serial numbers.
    """
    if domain > 1 << 24:
        raise ValueError("domain too large")
    mask = np.uint64((1 << 12) - 1)
    keys = [np.uint64((key * 0x9E3779B1 + r * 0x85EBCA77) & 0xFFFFFFFF) for r in range(4)]

    def rounds(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
        left = (x >> np.uint64(12)) & mask
        right = x & mask
        for k in keys:
            f = (right * np.uint64(0x2545F491) + k) & np.uint64(0xFFFFFFFF)
            f = (f ^ (f >> np.uint64(15))) * np.uint64(0x2C1B3C6D) & np.uint64(0xFFFFFFFF)
            f = (f ^ (f >> np.uint64(12))) & mask
            left, right = right, left ^ f
        return (left << np.uint64(12)) | right

    out = rounds(index.astype(np.uint64))
    bad = out >= np.uint64(domain)
    while bad.any():
        out[bad] = rounds(out[bad])
        bad = out >= np.uint64(domain)
    return out.astype(np.int64)
