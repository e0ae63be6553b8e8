"""The shipment files: determinism, counts, ids, and the same dataset in every format."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.simulate.conftest import ROWS, SEED, Dataset, make
from tradetrace.simulate import simulate
from tradetrace.simulate.render import CANONICAL_COLUMNS, RU_DT_COLUMNS

RECORD_ID = re.compile(r"^\d{8}/\d{6}/\d{7}/\d+$")


def test_summary_lists_every_file(dataset: Dataset) -> None:
    s = dataset.summary
    assert s.rows == ROWS and s.seed == SEED
    assert set(s.files) == {
        "shipments_csv", "shipments_parquet", "shipments_ru_dt", "parties", "relations", "payments",
        "entities", "truth", "party_truth",
    }  # fmt: skip
    assert all(p.exists() and p.parent == dataset.dir for p in s.files.values())
    assert s.schemes[0] == "cnc_taiwan_reroute" and len(s.schemes) >= 5


def test_progress_reaches_total(dataset: Dataset) -> None:
    assert dataset.progress[-1] == (ROWS, ROWS)
    assert [d for d, _ in dataset.progress] == sorted(d for d, _ in dataset.progress)


def test_same_seed_same_bytes(dataset: Dataset, tmp_path: Path) -> None:
    again = make(tmp_path / "again")
    for name, path in dataset.summary.files.items():
        assert path.read_bytes() == again.summary.files[name].read_bytes(), name


def test_other_seed_other_data(dataset: Dataset, tmp_path: Path) -> None:
    other = make(tmp_path / "other", seed=SEED + 1)
    assert (
        other.summary.files["shipments_csv"].read_bytes()
        != dataset.summary.files["shipments_csv"].read_bytes()
    )
    assert other.truth()["schemes"][0]["record_ids"] != dataset.truth()["schemes"][0]["record_ids"]


def test_row_counts_and_record_ids(dataset: Dataset, shipments: dict[str, dict[str, str]]) -> None:
    assert len(shipments) == ROWS  # dict keyed by record_id: also proves uniqueness
    assert all(RECORD_ID.match(rid) for rid in shipments)
    assert all(rid == f"{r['declaration_no']}/{rid.rsplit('/', 1)[1]}" for rid, r in shipments.items())
    assert pq.read_metadata(dataset.summary.files["shipments_parquet"]).num_rows == ROWS
    assert len(dataset.ru_dt()) == ROWS


def test_canonical_columns_and_values(dataset: Dataset, shipments: dict[str, dict[str, str]]) -> None:
    header = dataset.summary.files["shipments_csv"].read_text(encoding="utf-8").split("\n", 1)[0]
    assert header.replace('"', "").split(",") == list(CANONICAL_COLUMNS)
    rows = list(shipments.values())
    assert all(r["hs_code"] and r["importer_name"] and r["exporter_name"] and r["value"] for r in rows)
    missing_usd = sum(not r["value_usd"] for r in rows) / len(rows)
    assert 0.03 < missing_usd < 0.07
    with_tax = sum(bool(r["importer_tax_id"]) for r in rows) / len(rows)
    assert 0.85 < with_tax < 0.95
    assert {r["currency"] for r in rows} >= {"USD", "EUR", "CNY", "RUB"}
    assert min(r["date"] for r in rows) >= "2019-01-01" and max(r["date"] for r in rows) <= "2024-12-31"


def test_canonical_is_messy_on_purpose(shipments: dict[str, dict[str, str]]) -> None:
    rows = list(shipments.values())
    countries = {r["origin_country"] for r in rows}
    assert {"CN", "CHN", "156", "China", "Китай"} <= countries
    assert any("." in r["hs_code"] for r in rows) and any(" " in r["hs_code"] for r in rows)
    assert any(r["description"].isascii() for r in rows) and any(not r["description"].isascii() for r in rows)


def test_ru_dt_matches_canonical(dataset: Dataset, shipments: dict[str, dict[str, str]]) -> None:
    ru = dataset.ru_dt()
    assert set(ru) == set(shipments)
    header = dataset.summary.files["shipments_ru_dt"].read_bytes().split(b"\n", 1)[0].decode("cp1251")
    assert header.replace('"', "").split(";") == list(RU_DT_COLUMNS)
    for rid, r in shipments.items():
        g = ru[rid]
        assert g["G46"].replace(",", ".") == r["value_usd"]
        assert g["G42"].replace(",", ".") == r["value"]
        d, m, y = g["G072"].split(".")
        assert f"{y}-{m}-{d}" == r["date"]
        assert g["G33"] == "".join(ch for ch in r["hs_code"] if ch.isdigit())
        assert g["G22A"] == r["currency"]


def test_ru_dt_is_cp1251_with_cyrillic_russian_names(dataset: Dataset) -> None:
    raw = dataset.summary.files["shipments_ru_dt"].read_bytes()
    raw.decode("cp1251")  # strict
    ru = dataset.ru_dt()
    russian = [r for r in ru.values() if r["G17A"] == "RU"]
    assert all(any("\u0400" <= ch <= "\u04ff" for ch in r["G082"]) for r in russian)
    assert any("," in r["G42"] for r in ru.values())
    assert {r["G16"] for r in ru.values()} >= {"КИТАЙ", "ТАЙВАНЬ (КИТАЙ)"}


def test_parquet_matches_csv(dataset: Dataset, shipments: dict[str, dict[str, str]]) -> None:
    table = pq.read_table(dataset.summary.files["shipments_parquet"])
    assert table.column_names == list(CANONICAL_COLUMNS)
    ids = table.column("record_id").to_pylist()
    usd = table.column("value_usd").to_pylist()
    dates = table.column("date").to_pylist()
    for rid, v, d in zip(ids, usd, dates, strict=True):
        r = shipments[rid]
        assert (v is None and r["value_usd"] == "") or f"{v:.2f}" == r["value_usd"]
        assert d.isoformat() == r["date"]


def test_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        simulate(tmp_path, rows=100)
    with pytest.raises(ValueError):
        simulate(tmp_path, rows=ROWS, formats=("xlsx",))
