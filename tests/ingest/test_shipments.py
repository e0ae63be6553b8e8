"""Shipment ingest: formats, normalisation, and what happens to bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tradetrace.ingest import tabular
from tradetrace.ingest.base import IngestError
from tradetrace.ingest.shipments import ingest_shipments
from tradetrace.settings import Settings
from tradetrace.workspace import Workspace

HEADER = [
    "record_id",
    "date",
    "importer_name",
    "importer_tax_id",
    "exporter_name",
    "exporter_country",
    "origin_country",
    "dispatch_country",
    "hs_code",
    "description",
    "quantity",
    "value",
    "currency",
    "value_usd",
]
GOOD = [
    [
        "R1",
        "2023-01-15",
        "ООО «Ромашка»",
        "7707083893",
        "Nexa Machine Tools Co., Ltd.",
        "TW",
        "Taiwan",
        "TWN",
        "8458.11.000.0",
        "CNC lathe",
        "1",
        "100000.50",
        "USD",
        "",
    ],
    [
        "R2",
        "2023-02-15",
        "ROMASHKA LLC",
        "7707083893",
        "Werkzeug GmbH",
        "DEU",
        "276",
        "Германия",
        "845811 0000",
        "Drehmaschine",
        "2",
        "5000",
        "EUR",
        "",
    ],
    [
        "R3",
        "2023-06-30",
        "ООО «Ромашка»",
        "",
        "Shenzhen Foo Trading Co., Ltd.",
        "China",
        "Тайвань (Китай)",
        "CN",
        "8459610000",
        "фрезерный станок",
        "1",
        "250000",
        "USD",
        "250000",
    ],
]


def write_csv(
    path: Path,
    rows: list[list[str]],
    header: list[str] = HEADER,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)
    return path


def shipments(ws: Workspace) -> list[dict[str, object]]:
    return ws.engine.arrow("SELECT * FROM shipments ORDER BY record_id").to_pylist()


def quarantine(ws: Workspace) -> list[dict[str, object]]:
    return ws.engine.arrow("SELECT * FROM quarantine ORDER BY source_row, source_line").to_pylist()


def test_canonical_csv_is_normalised(ws: Workspace, tmp_path: Path) -> None:
    result = ingest_shipments(ws, write_csv(tmp_path / "s.csv", GOOD))
    assert (result.rows_loaded, result.rows_quarantined) == (3, 0)
    rows = {r["record_id"]: r for r in shipments(ws)}
    assert rows["R1"]["origin_country"] == "TW" and rows["R1"]["dispatch_country"] == "TW"
    assert rows["R1"]["hs_code"] == "8458110000" and rows["R1"]["hs6"] == "845811"
    assert rows["R1"]["value_usd"] == pytest.approx(100000.5)
    assert rows["R2"]["exporter_country"] == "DE" and rows["R2"]["origin_country"] == "DE"
    assert rows["R2"]["dispatch_country"] == "DE"
    assert rows["R2"]["value_usd_source"].startswith("converted:EUR@")
    assert 4000 < rows["R2"]["value_usd"] < 6500  # EUR at a 2023 rate
    assert rows["R3"]["exporter_country"] == "CN" and rows["R3"]["origin_country"] == "TW"
    assert rows["R3"]["importer_tax_id"] is None
    assert rows["R1"]["_source_row"] == 1 and rows["R3"]["_source_row"] == 3


def test_same_file_twice_changes_nothing(ws: Workspace, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", GOOD)
    ingest_shipments(ws, path)
    before = (shipments(ws), quarantine(ws))
    again = ingest_shipments(ws, path)
    assert again.skipped and "already loaded" in again.summary()
    assert (shipments(ws), quarantine(ws)) == before


def test_overlapping_file_quarantines_records_already_loaded(ws: Workspace, tmp_path: Path) -> None:
    ingest_shipments(ws, write_csv(tmp_path / "a.csv", GOOD[:2]))
    result = ingest_shipments(ws, write_csv(tmp_path / "b.csv", GOOD[1:]))
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    (q,) = quarantine(ws)
    assert (
        q["column_name"] == "record_id"
        and "already loaded from" in q["reason"]
        and "a.csv row 2" in q["reason"]
    )
    assert len(shipments(ws)) == 3


def test_missing_required_column_names_it_and_the_closest(ws: Workspace, tmp_path: Path) -> None:
    header = [h if h != "importer_name" else "importer_nam" for h in HEADER]
    path = write_csv(tmp_path / "s.csv", GOOD, header=header)
    with pytest.raises(IngestError) as err:
        ingest_shipments(ws, path)
    msg = str(err.value)
    assert "s.csv" in msg and "'importer_name'" in msg and "closest column present: 'importer_nam'" in msg
    assert ws.engine.scalar("SELECT count(*) FROM loads") == 0


def test_bad_values_go_to_quarantine_with_row_column_and_reason(ws: Workspace, tmp_path: Path) -> None:
    bad = [
        GOOD[0],
        ["R2", "31.02.2023", "X", "", "Y", "CN", "CN", "", "8458", "", "1", "1", "USD", ""],
        ["R3", "2023-03-01", "X", "", "Y", "Narnia", "CN", "", "84581100", "", "-1", "abc", "USD", ""],
        ["R1", "2023-03-01", "X", "", "Y", "CN", "CN", "", "84581100", "", "1", "1", "USD", ""],
        ["R5", "2023-03-01", "", "", "Y", "CN", "CN", "", "84581100", "", "1", "1", "XYZ", ""],
    ]
    result = ingest_shipments(ws, write_csv(tmp_path / "s.csv", bad))
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (5, 1, 4)
    q = {r["source_row"]: r for r in quarantine(ws)}
    assert q[2]["column_name"] == "date" and "'31.02.2023' is not a date" in q[2]["reason"]
    assert "hs_code: '8458' is not an HS code" in q[2]["reason"]
    assert "'Narnia' is not a known country" in q[3]["reason"]
    assert "value: 'abc' is not a number" in q[3]["reason"] and "quantity: '-1' is negative" in q[3]["reason"]
    assert "record_id: 'R1' repeats row 1" in q[4]["reason"]
    assert (
        "importer_name: missing (required)" in q[5]["reason"] and "'XYZ' is not an ISO 4217" in q[5]["reason"]
    )
    raw = json.loads(str(q[3]["raw"]))
    assert raw["exporter_country"] == "Narnia" and raw["value"] == "abc"  # nothing lost
    assert all(r["source"] == str(tmp_path / "s.csv") for r in q.values())


def test_ru_dt_cp1251_semicolons_and_decimal_commas(ws: Workspace, tmp_path: Path) -> None:
    header = [
        "ND",
        "G32",
        "G072",
        "G082",
        "G081",
        "G022",
        "G15A",
        "G16",
        "G34",
        "G33",
        "G31_1",
        "G42",
        "G22A",
        "G46",
    ]
    rows = [
        [
            "10702070/150123/3001234",
            "1",
            "15.01.2023",
            "ООО «Ромашка»",
            "7707083893",
            "NEXA MACHINE TOOLS CO., LTD.",
            "TW",
            "Тайвань (Китай)",
            "",
            "8458110000",
            "Станок токарный",
            "1 234,50",
            "USD",
            "1 234,50",
        ],
        [
            "10702070/150123/3001234",
            "2",
            "15.01.2023",
            "ООО «Ромашка»",
            "7707083893",
            "NEXA MACHINE TOOLS CO., LTD.",
            "TW",
            "Китай",
            "TW",
            "8466930000",
            "Части",
            "99,9",
            "EUR",
            "",
        ],
    ]
    path = write_csv(tmp_path / "dt.csv", rows, header=header, delimiter=";", encoding="cp1251")
    result = ingest_shipments(ws, path, profile="ru-dt")
    assert result.encoding == "cp1251" and result.rows_loaded == 2, result.summary()
    got = {r["record_id"]: r for r in shipments(ws)}
    first = got["10702070/150123/3001234/1"]
    assert first["importer_name"] == "ООО «Ромашка»" and first["value"] == pytest.approx(1234.5)
    assert str(first["date"]) == "2023-01-15" and first["origin_country"] == "TW"
    second = got["10702070/150123/3001234/2"]
    assert second["origin_country"] == "TW"  # G34 (code) wins over G16 (name)
    assert second["value"] == pytest.approx(99.9) and second["value_usd_source"].startswith("converted:EUR")
    assert "G31_1" not in result.unused_columns and result.unused_columns == []


def test_utf8_bom_is_read(ws: Workspace, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bom.csv", GOOD, encoding="utf-8-sig")
    result = ingest_shipments(ws, path)
    assert result.rows_loaded == 3 and result.encoding == "utf-8-sig"


def test_wrong_encoding_is_refused_with_position(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(
        ",".join(HEADER).encode()
        + b"\nR1,2023-01-01,Caf\xe9 \xe0 la cr\xe8me \xe9\xe9\xe9,,X,FR,FR,,84581100,,1,1,EUR,\n"
    )
    with pytest.raises(IngestError) as err:
        ingest_shipments(ws, path)
    assert (
        "latin.csv: line 2" in str(err.value) and "0xE9" in str(err.value) and "--encoding" in str(err.value)
    )
    result = ingest_shipments(ws, path, encoding="latin-1")
    assert result.rows_loaded == 1 and shipments(ws)[0]["importer_name"] == "Café à la crème ééé"


def test_empty_and_header_only_files(ws: Workspace, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(IngestError, match=r"empty\.csv: the file is empty"):
        ingest_shipments(ws, empty)
    result = ingest_shipments(ws, write_csv(tmp_path / "h.csv", []))
    assert (result.rows_read, result.rows_loaded) == (0, 0)


def test_malformed_lines_are_quarantined_with_their_line(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    good = write_csv(tmp_path / "g.csv", GOOD).read_text("utf-8").splitlines()
    lines = [*good[:2], good[2] + ",extra,fields", good[3]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = ingest_shipments(ws, path)
    assert (result.rows_loaded, result.rows_quarantined) == (2, 1), result.summary()
    (q,) = quarantine(ws)
    assert q["source_line"] == 3 and "TOO MANY COLUMNS" in q["reason"] and "extra,fields" in q["raw"]
    assert {r["record_id"]: r["_source_row"] for r in shipments(ws)} == {"R1": 1, "R3": 3}


def test_giant_field_is_quarantined_not_lost(ws: Workspace, tmp_path: Path) -> None:
    giant = "A" * (10 * 1024 * 1024)
    rows = [GOOD[0], [*GOOD[1][:2], giant, *GOOD[1][3:]], GOOD[2]]
    result = ingest_shipments(ws, write_csv(tmp_path / "giant.csv", rows))
    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)
    (q,) = quarantine(ws)
    assert q["column_name"] == "importer_name" and "10485760 characters long" in q["reason"]
    assert len(json.loads(str(q["raw"]))["importer_name"]) == len(giant)


def test_load_is_all_or_nothing(ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(tabular, "record_load", boom)
    with pytest.raises(RuntimeError):
        ingest_shipments(ws, write_csv(tmp_path / "s.csv", [*GOOD, ["R1", *GOOD[0][1:]]]))
    for table in ("shipments", "quarantine", "loads"):
        assert ws.engine.scalar(f"SELECT count(*) FROM {table}") == 0


def test_parquet_and_xlsx_give_the_same_rows(ws: Workspace, tmp_path: Path) -> None:
    from openpyxl import Workbook

    table = pa.table({h: [row[i] or None for row in GOOD] for i, h in enumerate(HEADER)})
    pq.write_table(table, tmp_path / "s.parquet")
    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in GOOD:
        sheet.append(
            [int(v) if v.isdigit() and h in ("quantity",) else v for h, v in zip(HEADER, row, strict=True)]
        )
    wb.save(tmp_path / "s.xlsx")
    ingest_shipments(ws, tmp_path / "s.parquet")
    from_parquet = [{k: v for k, v in r.items() if not k.startswith("_")} for r in shipments(ws)]
    ws.engine.execute("DELETE FROM shipments")
    ingest_shipments(ws, tmp_path / "s.xlsx")
    from_xlsx = [{k: v for k, v in r.items() if not k.startswith("_")} for r in shipments(ws)]
    assert len(from_parquet) == 3 and from_parquet == from_xlsx


def test_hostile_text_is_kept_verbatim(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        [
            "R1",
            "2023-01-15",
            "<script>alert(1)</script>",
            "",
            '=HYPERLINK("http://x")',
            "CN",
            "CN",
            "",
            "84581100",
            "@SUM(A1)",
            "1",
            "1",
            "USD",
            "",
        ]
    ]
    ingest_shipments(ws, write_csv(tmp_path / "s.csv", rows))
    (row,) = shipments(ws)
    assert row["importer_name"] == "<script>alert(1)</script>"
    assert row["exporter_name"] == '=HYPERLINK("http://x")' and row["description"] == "@SUM(A1)"


LATE_AT = (1 << 24) + 1000  # past the first 16 MiB, which once was all that was checked


def _late_file(path: Path, last: bytes) -> tuple[Path, int, int]:
    """A long valid file whose last record is ``last``; returns (path, its line, its offset)."""
    good_line = "R{n},2023-01-15,Importer,,Exporter,CN,CN,,84581100,,1,1,USD,\n"
    with open(path, "wb") as fh:
        fh.write((",".join(HEADER) + "\n").encode())
        n, written = 0, 0
        while written < LATE_AT:
            line = good_line.format(n=n).encode()
            fh.write(line)
            written += len(line)
            n += 1
        at = fh.tell()
        fh.write(last)
    return path, n + 2, at


def test_bad_bytes_deep_in_a_big_file_are_named_before_anything_loads(ws: Workspace, tmp_path: Path) -> None:
    last = b"LATE,2023-01-15,Caf\xe9,,X,FR,FR,,84581100,,1,1,EUR,\n"
    path, line, at = _late_file(tmp_path / "late.csv", last)
    at += last.index(b"\xe9")
    with pytest.raises(
        IngestError, match=rf"late\.csv: line {line}: byte 0xE9 at offset {at} is not valid UTF-8"
    ):
        ingest_shipments(ws, path)
    assert ws.engine.scalar("SELECT count(*) FROM shipments") == 0


def test_late_cyrillic_bytes_are_judged_where_they_are(ws: Workspace, tmp_path: Path) -> None:
    name = "ООО Авангард".encode("cp1251")
    path, _, _ = _late_file(
        tmp_path / "late1251.csv", b"LATE,2023-01-15," + name + b",,X,CN,CN,,84581100,,1,1,USD,\n"
    )
    result = ingest_shipments(ws, path)
    assert result.encoding == "cp1251"
    got = ws.engine.scalar("SELECT importer_name FROM shipments WHERE record_id = 'LATE'")
    assert got == "ООО Авангард"


def test_a_file_cut_inside_a_character_names_that_character(ws: Workspace, tmp_path: Path) -> None:
    good = write_csv(tmp_path / "g.csv", GOOD).read_bytes()
    cut = good + "R9,2023-01-15,Ж".encode()[:-1]  # the last letter's second byte is missing
    path = tmp_path / "cut.csv"
    path.write_bytes(cut)
    line = cut.count(b"\n") + 1
    with pytest.raises(IngestError, match=rf"cut\.csv: line {line}: byte 0xD0 at offset {len(cut) - 1} "):
        ingest_shipments(ws, path, encoding="utf-8")


def test_typed_parquet_columns_are_cast_not_parsed(ws: Workspace, tmp_path: Path) -> None:
    from datetime import date as d

    table = pa.table(
        {
            "record_id": ["T1", "T2"],
            "date": pa.array([d(2023, 1, 15), d(2023, 2, 1)], pa.date32()),
            "importer_name": ["A", "B"],
            "exporter_name": ["X", "Y"],
            "hs_code": ["845811", "8458.11"],
            "quantity": pa.array([1, 2], pa.int32()),
            "value": pa.array([1234.5, -3.0], pa.float64()),
            "currency": ["USD", "USD"],
        }
    )
    pq.write_table(table, tmp_path / "typed.parquet")
    result = ingest_shipments(ws, tmp_path / "typed.parquet")
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    (row,) = shipments(ws)
    assert str(row["date"]) == "2023-01-15" and row["value"] == 1234.5 and row["quantity"] == 1.0
    assert "value: '-3.0' is negative" in quarantine(ws)[0]["reason"]


def _rouble_rows() -> list[list[str]]:
    row = GOOD[0][:]
    before = [*row[:1], "RUB1", *row[2:]]
    before[0], before[1], before[11], before[12] = "RUB1", "2021-06-10", "7500000", "RUB"
    after = before[:]
    after[0], after[1] = "RUB2", "2023-03-01"
    given = after[:]
    given[0], given[13] = "RUB3", "99000"  # the file's own USD value (G46)
    return [before, after, given]


def test_no_rate_means_no_dollars_and_a_counted_warning(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from tradetrace.cli import cli

    path = write_csv(tmp_path / "rub.csv", _rouble_rows())
    cbr = tmp_path / "usd.xml"
    cbr.write_bytes(
        b'<?xml version="1.0" encoding="windows-1251"?><ValCurs ID="R01235" name="Foreign Currency Market Dynamic">'
        b'<Record Date="01.03.2023" Id="R01235"><Nominal>1</Nominal><Value>75,0000</Value></Record>'
        b"</ValCurs>"
    )
    for rates, expected in (([], None), (["--rates", str(cbr)], 100_000.0)):
        wsdir = tmp_path / f"ws{len(rates)}"
        done = CliRunner().invoke(
            cli, ["-q", "--workspace", str(wsdir), *rates, "ingest", "shipments", str(path)]
        )
        assert done.exit_code == 0, done.output
        with Workspace(Settings(workspace=wsdir, progress=False)) as ws:
            got = dict(ws.engine.fetchall("SELECT record_id, value_usd FROM shipments"))
            how = dict(ws.engine.fetchall("SELECT record_id, value_usd_source FROM shipments"))
        assert got["RUB1"] is not None and "from ECB euro reference rates" in how["RUB1"]
        assert got["RUB3"] == 99_000.0  # the file's value, whatever the table says
        if expected is None:
            assert got["RUB2"] is None and how["RUB2"] == "no rate:RUB@2023-03-01"
            assert "1 shipments rows loaded without value_usd" in " ".join(done.output.split())
        else:
            assert got["RUB2"] == pytest.approx(expected)
            assert "Bank of Russia" in how["RUB2"]
            assert "without value_usd" not in done.output
