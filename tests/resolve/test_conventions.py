"""Russian persons of the real SDN list, written in the romanisation conventions of other languages
and in Cyrillic, are found: recall per convention on the held-out half of the persons (the other
half is the one looked at while building the conventions' data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradetrace.lists.store import load_list
from tradetrace.resolve.calibrate import CONVENTION_GROUP, convention_cases, evaluate, russian_persons
from tradetrace.resolve.matcher import Screener
from tradetrace.settings import Settings
from tradetrace.workspace import Workspace

MIN_RECALL = 0.95


@pytest.fixture(scope="module")
def sdn_screener(test_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Screener:
    with Workspace(Settings(workspace=tmp_path_factory.mktemp("sdn") / "ws", progress=False)) as ws:
        load_list(ws, test_data_dir / "lists" / "ofac_sdn_2024-05", None)
        return Screener.from_engine(ws.engine)


@pytest.fixture(scope="module")
def test_data_dir() -> Path:
    return Path(__file__).parents[1] / "data"


def test_every_convention_is_found_on_the_held_out_half(sdn_screener: Screener, test_data_dir: Path) -> None:
    sdn = test_data_dir / "lists" / "ofac_sdn_2024-05" / "sdn.csv"
    persons = russian_persons(sdn)
    assert len(persons) > 1000  # individuals of Russian nationality with a patronymic
    cases = convention_cases(sdn, half=1)
    result = evaluate(sdn_screener, cases)
    recall = {k: v["hits"] / v["positives"] for k, v in result.counts.items()}
    assert set(recall) == {f"convention:{c}" for c in CONVENTION_GROUP} | {"script:cyrillic"}
    low = {k: round(v, 3) for k, v in recall.items() if v < MIN_RECALL}
    assert not low, low
