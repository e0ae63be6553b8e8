from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from tradetrace.model.hs import chpl
from tradetrace.model.rules import RULE_KINDS, Rule, RuleError, RuleSet, load_rules


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules()


def ids(found: list[Rule]) -> list[str]:
    return [r.id for r in found]


def write(tmp_path: Path, text: str, name: str = "user.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_shipped_rules_are_complete(rules: RuleSet) -> None:
    assert len(rules) >= 14
    for rule in rules:
        assert rule.kind in RULE_KINDS
        assert rule.url.startswith("https://")
        assert rule.citation.document
        assert rule.source == "tradetrace/data/rules/default.yaml"
        assert rules.goods_prefixes(rule), rule.id
    tiers = {r.goods[0] for r in rules if r.id.startswith("chpl-")}
    assert tiers == {f"chpl:tier={t}" for t in ("1", "2", "3.A", "3.B", "4.A", "4.B")}


# The defining case: CNC machine tools from a Taiwanese maker to a Russian
# importer, direct until May 2023, then via China and Turkey.
@pytest.mark.parametrize(
    ("hs", "origin", "dest", "on", "expected"),
    [
        ("8457100000", "TW", "RU", date(2023, 3, 1), ["tw-machine-tools-2023"]),
        ("8457100000", "TW", "RU", date(2022, 12, 31), []),
        ("8457.10", "Тайвань (Китай)", "Россия", date(2024, 4, 1),
         ["tw-machine-tools-2023", "tw-machine-tools-2024"]),
        ("845710", "TW", "CN", date(2023, 6, 1), []),  # to a hub: no rule
        ("845710", "DE", "RU", date(2024, 3, 1),
         ["eu-833-art2-dual-use", "eu-833-annex-xxiii", "chpl-tier-4b", "eu-833-annex-xl-4b"]),
        ("845710", "DE", "RU", date(2024, 2, 22), ["eu-833-art2-dual-use", "eu-833-annex-xxiii"]),
        ("845710", "CN", "RU", date(2024, 3, 1), []),  # China restricts nothing here
        ("854231", "US", "RU", date(2024, 1, 1), ["us-bis-746-8-russia", "chpl-tier-1"]),
        ("854231", "US", "BY", date(2022, 3, 1), []),  # Belarus from 2 March 2022
        ("854231", "US", "BY", date(2022, 3, 2), ["us-bis-746-8-belarus"]),
        ("854231", "US", "KZ", date(2024, 1, 1), []),
        ("854231", "JP", "RU", date(2024, 1, 1), ["jp-etco-russia-2022", "chpl-tier-1"]),
        ("854231", "JP", "RU", date(2022, 3, 17), []),  # Japan's ban from 18 March 2022
        ("854231", "GB", "RU", date(2023, 6, 22), []),
        ("854231", "GB", "RU", date(2023, 6, 23), ["chpl-tier-1"]),
        ("0101210000", "DE", "RU", date(2024, 1, 1), []),
    ],
)  # fmt: skip
def test_applicable(rules: RuleSet, hs: str, origin: str, dest: str, on: date, expected: list[str]) -> None:
    assert ids(rules.applicable(hs, origin, dest, on)) == expected


def test_eu_expands_to_member_states(rules: RuleSet) -> None:
    for member in ("DE", "IT", "GR", "PL"):
        assert "eu-833-annex-xxiii" in ids(rules.applicable("845811", member, "RU"))
    assert "eu-833-annex-xxiii" not in ids(rules.applicable("845811", "CH", "RU"))
    assert len(rules.expand(["EU"])) == 27
    assert rules.expand(["CHPL_PARTNERS"]) == rules.expand(["EU"]) | {"US", "GB", "JP"}


def test_unknown_origin_matches_any(rules: RuleSet) -> None:
    found = ids(rules.applicable("845710", None, "RU", date(2024, 6, 1)))
    assert {"tw-machine-tools-2024", "eu-833-annex-xxiii", "us-bis-746-supp4-2023"} <= set(found)
    assert ids(rules.applicable("845710", "not a country", "RU", date(2024, 6, 1))) == found


def test_without_date_all_rules_count(rules: RuleSet) -> None:
    assert "tw-machine-tools-2024" in ids(rules.applicable("846693", "TW", "RU"))


@pytest.mark.parametrize(("hs", "dest"), [("x", "RU"), ("845710", None), ("845710", "nowhere")])
def test_nothing_applies_without_code_or_destination(rules: RuleSet, hs: str, dest: str | None) -> None:
    assert rules.applicable(hs, "TW", dest) == []


def test_goods_prefixes(rules: RuleSet) -> None:
    assert rules.goods_prefixes(rules.get("chpl-tier-4b")) == (
        "845710", "845811", "845891", "845961", "846693",
    )  # fmt: skip
    machine_tools = rules.goods_prefixes(rules.get("tw-machine-tools-2024"))
    assert machine_tools == tuple(str(h) for h in range(8456, 8467))
    all_chpl = Rule(**{**rules.get("chpl-tier-1").__dict__, "goods": ("chpl:*",)})
    assert set(rules.goods_prefixes(all_chpl)) == {c.hs6 for c in chpl()}
    rows = rules.prefix_rows()
    assert ("tw-machine-tools-2024", "8457") in rows
    assert len(rows) == len(set(rows))


def test_hub_countries(rules: RuleSet) -> None:
    before = rules.hub_countries(date(2022, 6, 27))
    assert before == {}
    in_2022 = rules.hub_countries(date(2022, 12, 31))
    assert len(in_2022) == 18
    assert in_2022["TR"] == ["fincen-bis-2022-06"]
    assert "HK" not in in_2022
    now = rules.hub_countries()
    assert now["HK"] == ["fincen-bis-2023-05"]
    assert {"MY", "MN", "TH", "VN"} <= now.keys()
    assert "RU" not in now


def test_user_rule_overrides_and_adds(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        groups:
          CENTRAL_ASIA: [KZ, KG, UZ, TJ, TM]
        rules:
          - id: tw-machine-tools-2024
            title: Taiwan machine-tool list, transcribed
            restricting: [TW]
            destinations: [RU, BY]
            goods: ["845710", "845811"]
            effective_date: 2024-03-08
            citation: {document: BOFT notice, article: annex}
            url: https://www.trade.gov.tw/
          - id: my-rule
            title: Watch lathes to Central Asia
            kind: priority_list
            restricting: ["*"]
            destinations: [CENTRAL_ASIA]
            goods: ["8458"]
            effective_date: "2023-01-01"
            end_date: 2024-01-01
            citation: {document: our desk}
            url: https://example.org/
        hub_lists:
          - id: our-hubs
            title: Our own list
            issuer: newsroom
            date: 2024-05-01
            url: https://example.org/hubs
            countries: [AZ]
        disable: [tw-high-tech-2022]
        """,
    )
    loaded = load_rules([path])
    overridden = loaded.get("tw-machine-tools-2024")
    assert overridden.goods == ("845710", "845811")
    assert overridden.source == str(path)
    assert "tw-high-tech-2022" not in {r.id for r in loaded}
    assert ids(loaded.applicable("845891", "TW", "RU", date(2024, 6, 1))) == ["tw-machine-tools-2023"]
    assert ids(loaded.applicable("845811", "CN", "KZ", date(2023, 6, 1))) == ["my-rule"]
    assert loaded.applicable("845811", "CN", "KZ", date(2024, 1, 1)) == []  # end_date exclusive
    assert loaded.hub_countries()["AZ"] == ["our-hubs"]


BASE = """
rules:
  - id: r1
    title: t
    restricting: [TW]
    destinations: [RU]
    goods: ["8457"]
    effective_date: 2024-01-01
    citation: {document: d, article: a}
    url: https://example.org/
"""


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("title: t", "title: ''", "title"),
        ("restricting: [TW]", "restricting: [XX]", "restricting"),
        ("restricting: [TW]", "restricting: []", "restricting"),
        ("destinations: [RU]", "destinations: ['*']", "destinations"),
        ('goods: ["8457"]', 'goods: ["84x7"]', "goods"),
        ('goods: ["8457"]', 'goods: ["8466-8456"]', "goods"),
        ('goods: ["8457"]', 'goods: ["845-8466"]', "goods"),
        ('goods: ["8457"]', 'goods: ["chpl:tier=5"]', "goods"),
        ("effective_date: 2024-01-01", "effective_date: 2024-13-01", "effective_date"),
        ("effective_date: 2024-01-01", "effective_date: 2024-01-01\n    end_date: 2023-01-01",
         "end_date"),
        ("citation: {document: d, article: a}", "citation: {article: a}", "citation.document"),
        ("citation: {document: d, article: a}", "citation: {document: d, page: 3}", "citation"),
        ("url: https://example.org/", "url: https://example.org/\n    colour: red", "colour"),
        ("title: t", "title: t\n    kind: ban", "kind"),
        ("id: r1", "id: R 1", "id"),
    ],
)  # fmt: skip
def test_validation_names_file_rule_and_field(tmp_path: Path, old: str, new: str, field: str) -> None:
    assert old in BASE
    path = write(tmp_path, BASE.replace(old, new))
    with pytest.raises(RuleError) as info:
        load_rules([path])
    message = str(info.value)
    assert str(path) in message
    assert f"'{field}'" in message
    if field not in ("id",):
        assert "'r1'" in message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("- just a list\n", "must be a mapping"),
        ("rules: [1]\n", "must be a mapping"),
        ("rules: {a: 1}\n", "'rules': must be a list"),
        ("groups: [EU]\n", "'groups': must be a mapping"),
        ("version: 2\n", "version"),
        ("colour: red\n", "'colour'"),
        ("disable: [no-such-rule]\n", "no-such-rule"),
        ("groups:\n  RU: [BY]\n", "country code"),
        ("groups:\n  LOOP: [LOOP]\n", "LOOP"),
        ("groups:\n  BAD: [XX]\n", "'XX'"),
        ("hub_lists:\n  - {id: h, title: t, issuer: i, date: 2024-01-01, url: u, countries: [XX]}\n",
         "'countries'"),
        ("rules: [oops\n", "not valid YAML"),
        (BASE + BASE.replace("rules:\n", ""), "duplicate"),
    ],
)  # fmt: skip
def test_file_level_errors(tmp_path: Path, text: str, fragment: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(RuleError) as info:
        load_rules([path])
    assert str(path) in str(info.value)
    assert fragment in str(info.value)
