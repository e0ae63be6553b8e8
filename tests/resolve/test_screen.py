"""The batch form: queries.csv in, JSON lines out."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from tradetrace.resolve.matcher import Screener
from tradetrace.resolve.screen import match_file, party_key


def test_match_file(screener: Screener, tmp_path: Path) -> None:
    queries = tmp_path / "queries.csv"
    queries.write_text(
        "id,name,kind,country,birth_date,tax_id\n"
        "q1,ПАО «Силовые машины»,company,RU,,7702080289\n"
        "q2,Vladimir Putin,person,RU,1952-10-07,\n"
        "q3,Patricia Lucas Wheeler,person,,,\n",
        "utf-8",
    )
    out = tmp_path / "results.jsonl"
    assert match_file(screener, queries, out) == 3
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["q1", "q2", "q3"]
    first = lines[0]["matches"][0]
    assert set(first) == {"list", "entry_id", "name", "score", "explanation"}
    assert (first["list"], first["entry_id"], first["name"]) == ("us-ofac-sdn", "23563", "JSC POWER MACHINES")
    putin = lines[1]["matches"]
    assert putin[0]["entry_id"] == "35096" and putin[0]["explanation"]["birth_date"]["why"].startswith(
        "same date"
    )
    assert all(a["score"] >= b["score"] for a, b in itertools.pairwise(putin)) and len(putin) <= 5
    assert lines[2]["matches"] == []


def test_party_key_is_stable() -> None:
    assert party_key("ACME  LLC", "123", "RU", None) == party_key("ACME LLC", "123", "RU", None)
    assert party_key("ACME LLC", "123", "RU", None) != party_key("ACME LLC", "124", "RU", None)
