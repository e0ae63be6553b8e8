"""Name keys: one comparable form of a firm's name across spellings.

``name_key`` folds case, quotes, punctuation and legal forms (via rigour's
org-type vocabulary: ООО/LLC, АО/JSC, Co., Ltd., A.Ş., GmbH ...) and
transliterates to ASCII (normality), so "ООО «Нэкса»", "NEXA LLC" and
"Nexa, OOO" share a key only when their words agree. It is a blocking and
grouping key, not a matcher: cross-script resolution belongs to the
matching stage.
"""

from __future__ import annotations

import re
from functools import lru_cache

from normality import ascii_text
from rigour.names import normalize_name, remove_org_types

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=200_000)
def name_key(name: str | None) -> str | None:
    """A comparable key for an organisation name, or None if nothing is left."""
    if not name:
        return None
    norm = normalize_name(name)
    if not norm:
        return None
    stripped = remove_org_types(norm)
    text = ascii_text(stripped) or ""
    key = _NON_ALNUM.sub(" ", text.lower()).strip()
    if not key:
        key = _NON_ALNUM.sub(" ", (ascii_text(norm) or "").lower()).strip()
    return key or None


def tax_key(tax_id: str | None) -> str | None:
    """Tax ids compared as digits and letters only, upper case."""
    if not tax_id:
        return None
    key = re.sub(r"[^0-9A-Za-z]", "", tax_id).upper()
    return key or None
