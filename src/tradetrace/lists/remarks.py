"""Facts written into OFAC-style remarks: identifiers, dates of birth, aliases, links.

OFAC's CSV files (and the CSL, which copies them) carry most of what is known
about an entry in one ``Remarks`` field: ``DOB 10 Dec 1948; nationality Iran;
Tax ID No. 7743065177 (Russia); a.k.a. 'BNC'; Linked To: HIZBALLAH.``. This
module splits such text into its parts and turns each into structured data.
The identifier labels ("Tax ID No.", "Registration Number", ...) and the type
each maps to are data, in ``id_labels.csv`` beside this module.
"""

from __future__ import annotations

import csv
import io
import re
from functools import cache
from importlib import resources

from tradetrace.lists.model import Entry, Identifier, Relation, clean, country_code, parse_date

CONTACT_TYPES = frozenset({"email", "website", "phone", "crypto_wallet"})
# identifier types whose values may be letters only
LETTERS_OK = CONTACT_TYPES | {"swift_bic", "call_sign"}

_SPLIT = re.compile(r";\s+")
_ALIAS = re.compile(r"^(a\.k\.a\.|f\.k\.a\.|n\.k\.a\.)\s*'(.+)'$", re.I)
_LINKED = re.compile(r"^Linked To:\s*(.+?)\.?$")
_VALUE = re.compile(
    r"^(?P<value>.+?)(?:\s*\((?P<paren>[^()]+)\))?"
    r"(?P<tail>,?\s+(?:issued|expires|valid|expired|Expiration Date|Issue Date)\b.*)?$",
    re.I,
)
_GENERIC_LABEL = re.compile(
    r"^(?P<label>[A-Z][\w.'/&-]*(?: [\w.'/&()#-]+){0,6}? (?:No\.?|Number|ID|Code|#))"
    r"[\s:]+(?P<rest>\S*\d.*)$"
)
_IMO = re.compile(r"\bIMO\s*(\d{7})\b")
_DIRECTIVE_DATE = re.compile(r"^((?:Listing|Effective) Date \(.+?\)):\s*(.+)$")
_PREFIX_FACTS = (
    ("Gender ", "gender"),
    ("Organization Established Date ", "established"),
    ("Organization Type: ", "organization_type"),
    ("Target Type ", "target_type"),
    ("Vessel Year of Build ", "vessel_year_built"),
    ("Other Vessel Flag ", "vessel_other_flag"),
    ("Former Vessel Flag ", "vessel_former_flag"),
    ("Other Vessel Type ", "vessel_other_type"),
    ("Vessel Type ", "vessel_type"),
    ("Aircraft Manufacture Date ", "aircraft_built"),
    ("Aircraft Model ", "aircraft_model"),
    ("Aircraft Operator ", "aircraft_operator"),
    ("Previous Aircraft Operator ", "aircraft_previous_operator"),
    ("Title ", "title"),
)
_SANCTIONS_INFO = (
    "Secondary sanctions risk",
    "Additional Sanctions Information",
    "Transactions Prohibited",
    "Executive Order",
    "CAATSA",
    "For more information on directives",
    "Sanctions Risk",
    "PEESA",
    "IFCA",
    "Subject to Directive",
)


@cache
def id_labels() -> tuple[dict[str, str], re.Pattern[str]]:
    """Label -> identifier type, and one pattern matching any label at a part's start."""
    raw = resources.files("tradetrace.lists").joinpath("id_labels.csv").read_text("utf-8")
    labels = {r["label"]: r["type"] for r in csv.DictReader(io.StringIO(raw))}
    alternatives = "|".join(re.escape(k) for k in sorted(labels, key=len, reverse=True))
    pattern = re.compile(rf"^(?P<label>{alternatives})(?:[\s:]+|(?=\d))(?P<rest>.+)$")
    return labels, pattern


def label_type(label: str) -> str | None:
    """The identifier type of a label as written ('Tax ID No.' -> 'tax_id'), if known."""
    labels, _ = id_labels()
    return labels.get(clean(label) or "")


def make_identifier(
    type_: str, raw: str, label: str | None = None, country: str | None = None
) -> Identifier | None:
    """An identifier from its written value: '7743065177 (Russia)' gives the country.

    A trailing '(Country)' sets the country; other bracketed text goes to the
    label. ``issued``/``expires`` tails are dropped. Values without a digit are
    refused except for contact details (e-mail, website...).
    """
    text = clean(raw)
    if text is None:
        return None
    m = _VALUE.match(text)
    value = text
    if m:
        value = m["value"].strip(" .,;")
        paren = m["paren"]
        if paren:
            code = country_code(paren)
            if code:
                country = country or code
            elif type_ in CONTACT_TYPES:
                value = text
            else:
                label = f"{label} ({paren})" if label else f"({paren})"
    if type_ in ("imo", "id_no") and (imo := _IMO.search(value)):
        type_, value = "imo", imo[1]
    if type_ == "id_no":
        type_ = "other"
    if not value or (type_ not in LETTERS_OK and not any(ch.isdigit() for ch in value)):
        return None
    if type_ == "email":
        value = value.lower()
    return Identifier(type_, value, country, label)


def split_remarks(text: str) -> list[str]:
    """Remarks split on ';', keeping quoted aliases (which may hold ';') whole."""
    parts: list[str] = []
    pending: list[str] = []
    for raw in _SPLIT.split(text.strip().rstrip(".")):
        part = raw.strip()
        if pending:
            pending.append(part)
            if part.endswith("'"):
                parts.append("; ".join(pending))
                pending = []
            continue
        if re.match(r"^[afn]\.k\.a\.\s*'", part, re.I) and not part.endswith("'"):
            pending = [part]
            continue
        if part:
            parts.append(part)
    parts.extend(pending)
    return parts


def parse_dob(text: str) -> list[str]:
    """'10 Dec 1948' -> ['1948-12-10']; '1960 to 1962' -> ['1960', '1962']."""
    out: list[str] = []
    for piece in re.split(r"\s+(?:to|-|and)\s+|^between\s+", text, flags=re.I):
        iso = parse_date(piece)
        if iso and iso not in out:
            out.append(iso)
    return out


def apply_remarks(entry: Entry, text: str | None) -> None:
    """Add every fact found in OFAC-style remarks to ``entry``."""
    if not text:
        return
    _, label_re = id_labels()
    for part in split_remarks(text):
        body = part[5:] if part.startswith("alt. ") else part
        if _apply_fact(entry, body):
            continue
        m = label_re.match(body) or _GENERIC_LABEL.match(body)
        if m:
            label = m["label"]
            type_ = label_type(label) or "other"
            ident = make_identifier(type_, m["rest"], label)
            if ident is not None:
                entry.add_identifier(ident)


def _apply_fact(entry: Entry, body: str) -> bool:
    """Names, links, dates, places and countries; True when ``body`` was one of them."""
    if m := _ALIAS.match(body):
        kind = {"a": "weak", "f": "fka", "n": "nka"}[m[1][0].lower()]
        entry.add_name(m[2], kind)
        return True
    if m := _LINKED.match(body):
        name = m[1].strip()
        if name and Relation("linked_to", name) not in entry.relations:
            entry.relations.append(Relation("linked_to", name))
        return True
    if body.startswith("DOB "):
        for iso in parse_dob(body[4:]):
            entry.add_birth_date(iso)
        return True
    if body.startswith("POB "):
        entry.add_extra("places_of_birth", body[4:].strip())
        return True
    for prefix in ("nationality ", "citizen ", "Nationality of Registration "):
        if body.startswith(prefix):
            entry.add_country(body[len(prefix) :])
            return True
    if m := _DIRECTIVE_DATE.match(body):
        entry.add_extra("directive_dates", {"what": m[1], "date": parse_date(m[2]) or m[2]})
        return True
    for prefix, key in _PREFIX_FACTS:
        if body.startswith(prefix):
            value = body[len(prefix) :].strip()
            if key in ("established", "aircraft_built"):
                value = parse_date(value) or value
            entry.add_extra(key, value)
            return True
    if body.startswith(_SANCTIONS_INFO):
        entry.add_extra("sanctions_info", body)
        return True
    return False
