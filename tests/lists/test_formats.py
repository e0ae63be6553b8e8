"""Every reader on its real file (UN, CSL, DPL, FtM) or an official-format sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradetrace.ingest.base import IngestError
from tradetrace.lists.model import Entry, ListData
from tradetrace.lists.readers import detect, read, sniff

from .conftest import FIXTURES


def _read(path: Path, fmt: str | None = None) -> ListData:
    return read(detect(path, fmt))


def _by_id(data: ListData) -> dict[str, Entry]:
    return {e.entry_id: e for e in data.entries}


def test_un_consolidated_xml(data_dir: Path) -> None:
    data = _read(data_dir / "lists" / "un_2026-02" / "consolidated.xml")
    kinds = [e.kind for e in data.entries]
    assert (kinds.count("person"), kinds.count("company")) == (730, 273)
    assert str(data.as_of) == "2026-02-27" and data.list_id == "un-sc-consolidated"
    badege = _by_id(data)["CDi.001"]
    assert badege.name == "ERIC BADEGE"
    assert str(badege.listed_on) == "2012-12-31"
    assert badege.programs == ["DRC"]
    assert badege.birth_dates == ["1971"]
    assert badege.countries[:2] == ["CD", "RW"]
    kakolele = _by_id(data)["CDi.002"]
    assert ("AIGLE BLANC", "aka") in [(n.name, n.type) for n in kakolele.names]
    assert sum(1 for e in data.entries for i in e.identifiers if i.type == "passport") > 200
    scripts = {n.name for e in data.entries for n in e.names if n.name.startswith("عبد")}
    assert scripts  # original-script names are kept


def test_csl_current_layout(data_dir: Path) -> None:
    data = _read(data_dir / "lists" / "us_csl_samples" / "consolidated_sample_2025.csv")
    assert len(data.entries) == 13 and data.list_id == "us-csl"
    rim = _by_id(data)["52291"]
    assert rim.kind == "person" and rim.birth_dates == ["1978-12-05"]
    assert [(i.type, i.value, i.country) for i in rim.identifiers] == [("passport", "836238033", "KP")]
    assert rim.extra["gender"] == "Male"
    sme = _by_id(data)["18283"]
    assert [(i.type, i.value) for i in sme.identifiers] == [
        ("registration_no", "1027739108649"),
        ("swift_bic", "RUDVRUMM"),
        ("website", "mspbank.ru"),
    ]
    assert {e.sublist for e in data.entries} >= {
        "Entity List (EL) - Bureau of Industry and Security",
        "Military End User (MEU) List - Bureau of Industry and Security",
        "Unverified List (UVL) - Bureau of Industry and Security",
        "Denied Persons List (DPL) - Bureau of Industry and Security",
    }


def test_csl_older_layout(data_dir: Path) -> None:
    data = _read(data_dir / "lists" / "us_csl_samples" / "csl_sample_2019.csv")
    assert len(data.entries) == 115
    achim = _by_id(data)["19692"]
    assert {(i.type, i.value) for i in achim.identifiers} == {
        ("registration_no", "1148904001971"),
        ("okpo", "32131525"),
        ("tax_id", "8904075533"),
    }
    assert len({e.entry_id for e in data.entries}) == 115


def test_dpl(data_dir: Path) -> None:
    data = _read(data_dir / "lists" / "bis_dpl_2022-09" / "dpl.txt")
    assert data.rows_read == 581
    assert len(data.entries) == 461  # one per name and order date; addresses merged
    assert sum(len(e.addresses) for e in data.entries) == 581 - _duplicate_rows(data)
    assert str(data.as_of) == "2022-09-02"
    nasser = [e for e in data.entries if e.name == "ABDULAH AL NASSER"]
    assert len(nasser) == 1 and len(nasser[0].addresses) == 2
    assert str(nasser[0].listed_on) == "2002-03-04"


def _duplicate_rows(data: ListData) -> int:
    """Rows repeating an address already met for the same entry (kept once)."""
    import csv

    seen: set[tuple[str, ...]] = set()
    dups = 0
    with open(data.files[0], encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            key = (
                row["Name"],
                row["Effective_Date"],
                row["Street_Address"],
                row["City"],
                row["State"],
                row["Country"],
                row["Postal_Code"],
            )
            dups += key in seen
            seen.add(key)
    return dups


def test_ftm_opensanctions_export(data_dir: Path) -> None:
    data = _read(data_dir / "ftm" / "t1_entities.ftm.json")
    assert len(data.entries) == 6  # targets only
    tobacco = _by_id(data)["NK-2GdmHtZTeNXjNVrBGEXZNj"]
    assert tobacco.kind == "company" and tobacco.countries == ["BY"]
    assert ("registration_no", "808000714") in [(i.type, i.value) for i in tobacco.identifiers]
    assert len(tobacco.names) == 12
    donations = _read(data_dir / "ftm" / "donations.ftm.json")
    assert len(donations.entries) == 95  # 56 companies, 22 people, 17 organisations
    paid = [r for e in donations.entries for r in e.relations if r.relation == "paid"]
    assert paid and all(r.target_entry_id for r in paid)


def test_ofac_sdn_xml() -> None:
    data = _read(FIXTURES / "sdn.xml")
    assert data.list_id == "us-ofac-sdn" and str(data.as_of) == "2024-05-03"
    entries = _by_id(data)
    abbas = entries["2674"]
    assert abbas.name == "ABBAS, Abu" and abbas.kind == "person"
    assert [(n.name, n.type) for n in abbas.names] == [
        ("ABBAS, Abu", "primary"),
        ("ABU KHALED", "weak"),
        ("ZAYDAN, Muhammad", "aka"),
    ]
    assert abbas.birth_dates == ["1948-12-10"] and abbas.countries == ["IQ"]
    dialog = entries["50544"]
    assert ("tax_id", "9709063550", "RU") in [(i.type, i.value, i.country) for i in dialog.identifiers]
    leader = entries["47371"]
    assert leader.kind == "vessel" and leader.countries == ["GA"]
    assert {(i.type, i.value) for i in leader.identifiers} == {
        ("imo", "9339301"),
        ("mmsi", "626324000"),
        ("call_sign", "A8LU7"),
    }
    assert [(r.relation, r.target_entry_id) for r in leader.relations] == [("linked_to", "50544")]


def test_ofac_sdn_xml_declared_count_is_checked(tmp_path: Path) -> None:
    text = (
        (FIXTURES / "sdn.xml")
        .read_text("utf-8")
        .replace("<Record_Count>4</Record_Count>", "<Record_Count>5</Record_Count>")
    )
    (tmp_path / "sdn.xml").write_text(text, "utf-8")
    with pytest.raises(IngestError, match="declares 5 records but holds 4"):
        _read(tmp_path / "sdn.xml")


def test_ofac_advanced_xml_agrees_with_sdn_xml() -> None:
    adv = _by_id(_read(FIXTURES / "sdn_advanced.xml"))
    xml = _by_id(_read(FIXTURES / "sdn.xml"))
    assert adv.keys() == xml.keys()
    for key, a in adv.items():
        b = xml[key]
        assert (a.kind, a.name, a.programs, a.countries) == (b.kind, b.name, b.programs, b.countries)
        assert {(i.type, i.value) for i in b.identifiers} <= {(i.type, i.value) for i in a.identifiers}
        assert {n.name for n in b.names} <= {n.name for n in a.names}
    assert str(adv["36"].listed_on) == "1996-07-08"  # designation date from SanctionsEntries
    assert adv["2674"].extra["gender"] == "Male"
    assert [(r.relation, r.target_entry_id) for r in adv["47371"].relations] == [("linked_to", "50544")]
    assert any(n.name.startswith("АВТОНОМНАЯ") for n in adv["50544"].names)


def test_eu_xml_and_csv_give_the_same_entries() -> None:
    xml = _read(FIXTURES / "eu_fsf.xml")
    csv_ = _read(FIXTURES / "eu_fsf.csv")
    assert (xml.format, csv_.format) == ("eu-xml", "eu-csv")
    assert xml.as_of == csv_.as_of and str(xml.as_of) == "2026-08-05"
    assert csv_.rows_read == 9
    for a, b in zip(xml.entries, csv_.entries, strict=True):
        assert (a.entry_id, a.kind, a.name, a.programs, a.countries, a.birth_dates) == (
            b.entry_id,
            b.kind,
            b.name,
            b.programs,
            b.countries,
            b.birth_dates,
        )
        assert {n.name for n in a.names} == {n.name for n in b.names}
        assert a.identifiers == b.identifiers and a.addresses == b.addresses
        assert a.listed_on == b.listed_on
    saddam, tobacco = xml.entries
    assert saddam.kind == "person" and saddam.birth_dates == ["1937-04-28"]
    assert ("Abou Ali", "weak") in [(n.name, n.type) for n in saddam.names]  # strong="false"
    assert str(saddam.listed_on) == "2003-07-08"  # no designationDate: first regulation
    assert str(tobacco.listed_on) == "2022-06-03"
    assert [(i.type, i.value, i.country) for i in tobacco.identifiers] == [
        ("registration_no", "808000714", "BY")
    ]


def test_uk_sanctions_list_fcdo() -> None:
    data = _read(FIXTURES / "uk_sanctions_list.csv")
    assert data.list_id == "gb-fcdo-sanctions" and str(data.as_of) == "2026-10-08"
    assert data.rows_read == 6 and len(data.entries) == 4
    entries = _by_id(data)
    ship = entries["RUS2176"]
    assert ship.kind == "vessel" and ship.countries == ["GA"]
    assert [(i.type, i.value) for i in ship.identifiers] == [("imo", "9826902")]
    tools = entries["RUS9001"]
    assert [(n.name, n.type) for n in tools.names] == [
        ("VOLGA PRECISION TOOLS LLC", "primary"),
        ("ООО «ВОЛГА ПРЕЦИЗИОННЫЕ ИНСТРУМЕНТЫ»", "aka"),
        ("VOLGA TOOLS", "aka"),
        ("VPT", "weak"),
    ]
    assert ("tax_id", "6316000000") in [(i.type, i.value) for i in tools.identifiers]
    assert [(r.relation, r.target_entry_id) for r in tools.relations] == [("parent_company", "RUS9002")]
    ivanov = entries["RUS9003"]
    assert ivanov.kind == "person" and ivanov.name == "Pyotr Sergeyevich IVANOV"
    assert ivanov.birth_dates == ["1965"] and str(ivanov.listed_on) == "2022-03-15"


def test_uk_ofsi_conlist() -> None:
    data = _read(FIXTURES / "ConList.csv")
    assert data.list_id == "gb-hmt-ofsi" and str(data.as_of) == "2026-06-03"
    entries = _by_id(data)
    assert set(entries) == {"90001", "90003"}
    assert [(n.name, n.type) for n in entries["90003"].names] == [
        ("Pyotr Sergeyevich IVANOV", "primary"),
        ("Petr IVANOV", "aka"),
    ]


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("sdn.xml", "ofac-xml"),
        ("sdn_advanced.xml", "ofac-advanced-xml"),
        ("eu_fsf.xml", "eu-xml"),
        ("eu_fsf.csv", "eu-csv"),
        ("uk_sanctions_list.csv", "uk-csv"),
        ("ConList.csv", "uk-csv"),
        ("README.md", None),
    ],
)
def test_sniff_fixtures(name: str, fmt: str | None) -> None:
    assert sniff(FIXTURES / name) == fmt


def test_sniff_real_files(data_dir: Path) -> None:
    lists = data_dir / "lists"
    assert sniff(lists / "un_2026-02" / "consolidated.xml") == "un-xml"
    assert sniff(lists / "bis_dpl_2022-09" / "dpl.txt") == "dpl"
    assert sniff(lists / "us_csl_samples" / "csl_sample_2019.csv") == "csl"
    assert sniff(data_dir / "ftm" / "donations.ftm.json") == "ftm"
    assert detect(lists / "un_2026-02").fmt == "un-xml"  # a folder holding one list file


def test_unknown_or_wrong_format_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "notes.csv"
    other.write_text("a,b\n1,2\n", "utf-8")
    with pytest.raises(IngestError, match="cannot tell which list format"):
        detect(other)
    with pytest.raises(IngestError, match="unknown list format 'nope'"):
        detect(other, "nope")
    with pytest.raises(IngestError, match="not a UK sanctions list"):
        _read(other, "uk-csv")
