"""Parties, relations, payments and FollowTheMoney entities."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

from followthemoney import model
from normality import ascii_text
from rapidfuzz import fuzz, process
from stdnum.ru import inn

from tests.simulate.conftest import Dataset, sdn_tax_ids
from tradetrace.simulate.parties import PARTY_COLUMNS, RELATION_COLUMNS
from tradetrace.simulate.payments import COLUMNS as PAYMENT_COLUMNS

FULL_SDN = Path(__file__).resolve().parents[1] / "data" / "lists" / "ofac_sdn_2024-05"
_LEGAL_WORDS = (
    "LLC OOO AO JSC CJSC PJSC ZAO PAO OAO OJSC TOO LLP LTD LIMITED CO INC CORP CORPORATION GMBH AG SRL "
    "SPA SAS SARL BV FZE FZCO DMCC SP Z O OSOO ODO CHTUP MCHJ AS STI SAN VE TIC TICARET SANAYI SIRKETI "
    "KK PVT PLC S R L P A HK OF THE AND JOINT STOCK COMPANY OPEN CLOSED PUBLIC LIABILITY OBSHCHESTVO "
    "OGRANICHENNOY OTVETSTVENNOSTYU AKTSIONERNOE TOVARISHCHESTVO"
)
LEGAL = frozenset(_LEGAL_WORDS.split())


def test_csv_headers(dataset: Dataset) -> None:
    for name, cols in (("parties.csv", PARTY_COLUMNS), ("relations.csv", RELATION_COLUMNS),
                       ("payments.csv", PAYMENT_COLUMNS)):  # fmt: skip
        with (dataset.dir / name).open(encoding="utf-8", newline="") as fh:
            assert tuple(next(csv.reader(fh))) == tuple(cols)


def test_ftm_lines_validate(dataset: Dataset) -> None:
    counts: dict[str, int] = {}
    with (dataset.dir / "entities.ftm.json").open(encoding="utf-8") as fh:
        for line in fh:
            data = json.loads(line)
            proxy = model.get_proxy(data)
            proxy.schema.validate(data)
            assert all(proxy.has(p) for p in proxy.schema.required)
            counts[proxy.schema.name] = counts.get(proxy.schema.name, 0) + 1
    assert {"Company", "Person", "Ownership", "Directorship", "Employment"} <= set(counts)
    parties = dataset.table("parties.csv")
    relations = dataset.table("relations.csv")
    assert counts["Company"] + counts["Person"] == len(parties)
    assert sum(counts.values()) == len(parties) + len(relations)


def test_ftm_keeps_former_owner_dates(dataset: Dataset) -> None:
    with (dataset.dir / "entities.ftm.json").open(encoding="utf-8") as fh:
        owners = [json.loads(line) for line in fh if '"Ownership"' in line]
    former = [o for o in owners if o["properties"].get("percentage") == ["30"]]
    assert former and former[0]["properties"]["endDate"][0].startswith("2015")


def test_russian_tax_ids_are_valid(dataset: Dataset, shipments: dict[str, dict[str, str]]) -> None:
    for p in dataset.table("parties.csv"):
        if p["country"] == "RU" and p["tax_id"]:
            assert inn.is_valid(p["tax_id"]), p
            assert len(p["tax_id"]) == (10 if p["kind"] == "company" else 12)
    russian = {p["tax_id"] for p in dataset.table("parties.csv") if p["country"] == "RU"}
    used = {r["importer_tax_id"] for r in shipments.values() if r["importer_tax_id"] in russian}
    assert len(used) > 100 and all(inn.is_valid(t) for t in used)


def test_payments(dataset: Dataset) -> None:
    pays = dataset.table("payments.csv")
    assert len({p["record_id"] for p in pays}) == len(pays) > 1000
    assert [p["date"] for p in pays] == sorted(p["date"] for p in pays)
    assert {p["currency"] for p in pays} >= {"RUB", "USD", "EUR"}
    assert all(float(p["amount"]) > 0 and float(p["amount_usd"]) > 0 for p in pays)


def test_listed_parties_carry_real_tax_ids(dataset: Dataset, truth: dict[str, Any]) -> None:
    listed = {p["tax_id"] for p in dataset.table("parties.csv")} & sdn_tax_ids()
    assert len(listed) >= 9
    end_user = next(e for s in truth["schemes"] for e in s["entities"] if e["role"] == "end_user")
    assert end_user["tax_id"] in sdn_tax_ids()


_GENERIC_WORDS = (
    "TRADING TRADE IMPORT EXPORT ELECTRONICS ELECTRONIC TECHNOLOGY TECHNOLOGIES INTERNATIONAL SUPPLY CHAIN "
    "INDUSTRIAL INDUSTRY INDUSTRIES MACHINERY EQUIPMENT GROUP GLOBAL ENTERPRISE SYSTEMS DEVICES PRODUCTS "
    "MANUFACTURING ENGINEERING DEVELOPMENT SOLUTIONS GENERAL COMMERCIAL LOGISTICS AUTO PARTS PRECISION HONG "
    "KONG HONGKONG SHENZHEN GUANGZHOU HANGZHOU SHANGHAI DONGGUAN NINGBO XIAMEN QINGDAO TIANJIN DALIAN WUXI "
    "SUZHOU FOSHAN CHANGZHOU BEIJING DUBAI ASIA CHINA TURKEY ISTANBUL ELEKTRONIK TEKNOLOJI DIS OTOMOTIV"
)
GENERIC = frozenset(_GENERIC_WORDS.split())


def _norm(name: str) -> str:
    tokens = re.split(r"[^A-Z0-9]+", ascii_text(name).upper())
    return " ".join(t for t in tokens if t and t not in LEGAL)


def _core(normed: str) -> str:
    return " ".join(t for t in normed.split() if t not in GENERIC)


def test_fictional_names_are_not_like_sdn_entries(dataset: Dataset) -> None:
    """No fictional firm name is close to a name or alias of the full SDN list.

    Close means: token-sort similarity >= 90 of the names without legal forms, where the
    distinctive words (the names without generic trade, industry and city words) are also
    >= 85 similar. Sharing only words like "Shenzhen ... Trading" does not count.
    """
    names: list[str] = []
    for file in ("sdn.csv", "alt.csv"):
        with (FULL_SDN / file).open(encoding="utf-8", errors="replace", newline="") as fh:
            names += [row[1 if file == "sdn.csv" else 3] for row in csv.reader(fh) if len(row) > 3]
    listed = sorted({n for n in map(_norm, names) if len(n) >= 4})
    real = sdn_tax_ids()
    ours = sorted(
        {
            _norm(p["name"])
            for p in dataset.table("parties.csv")
            if p["kind"] == "company" and p["tax_id"] not in real
        }
    )
    scores = process.cdist(ours, listed, scorer=fuzz.token_sort_ratio, score_cutoff=90, workers=-1)
    hits = [(ours[i], listed[j]) for i, j in zip(*scores.nonzero(), strict=True)]
    close = [(a, b) for a, b in hits if fuzz.token_sort_ratio(_core(a), _core(b)) >= 85]
    assert not close
