"""MISDECLARATION on small messy data: machines declared as parts (value, weight, model,
description in several languages), parts declared as machines, and honest look-alikes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.detect.builder import Rows, monthly
from tradetrace.detect.findings import Finding
from tradetrace.detect.misdeclaration import knowledge
from tradetrace.detect.runner import run_detectors
from tradetrace.detect.severity import severity
from tradetrace.workspace import Workspace

LATHE, PARTS, GEARBOX = "8458114100", "8466934000", "8708409909"
# buyer -> expected signal counts among its parts lines (None: no finding)
CASES: dict[str, tuple[tuple[str, str], dict[str, Any] | None]] = {
    "machines_as_parts": (("ООО «Только Детали»", "7705000001"),
                          {"value_fit": 3, "weight_fit": 2, "model_fit": 3, "lines": 3, "min": 0.7}),
    "described_as_machine": (("ООО «Станок»", "7705000002"), {"desc_whole": 2, "value_fit": 0, "lines": 2}),
    "machine_described_as_parts": (("ООО «Обратно»", "7705000003"), {"reverse": 1, "lines": 1}),
    "genuine_parts": (("ООО «Запчасть»", "7705000004"), None),
    "gearboxes": (("ООО «Коробка»", "7705000005"), None),
}  # fmt: skip
OTHER = ("ООО «Фон»", "7705000099")


def _rows() -> Rows:
    r = Rows("MD")
    # the norms: Taiwanese lathes and parts of machine tools bought by an ordinary importer
    for i, day in enumerate(monthly("2021-01-04", 24, 20)):
        r.add(
            day,
            OTHER,
            "Formosa Lathe Works",
            "TW",
            "TW",
            LATHE,
            140_000 + 1_000 * i,
            qty=1,
            kg=4_500 + 10 * i,
            model="FL-2600" if i % 2 else "NVL-3200M",
            description="CNC lathe for metal",
        )
        r.add(day, OTHER, "Formosa Lathe Works", "TW", "TW", PARTS, 8 * (800 + 10 * i), qty=8,
              kg=8 * 12.0, description="Parts and accessories for machine tools")  # fmt: skip
    b = CASES["machines_as_parts"][0]
    for i, day in enumerate(monthly("2023-02-01", 3)):
        r.add(day, b, "Qingdao Lanfeng Machinery Trading", "CN", "TW", PARTS, 250_000, qty=1,
              kg=None if i == 1 else 5_200.0, model="NVL 3200M", currency="CNY" if i == 2 else "USD",
              usd="250000" if i == 2 else None,
              description="Parts and accessories for machine tools, model NVL-3200M")  # fmt: skip
    b = CASES["described_as_machine"][0]
    r.add("2023-03-01", b, "Formosa Lathe Works", "TW", "TW", PARTS, 900, kg=12.0,
          description="СТАНОК ТОКАРНЫЙ С ЧПУ, МОДЕЛЬ FL-2600")  # fmt: skip
    r.add("2023-03-02", b, "Formosa Lathe Works", "TW", "TW", PARTS, 950, kg=12.0, description="数控机床")
    b = CASES["machine_described_as_parts"][0]
    r.add("2023-03-03", b, "Formosa Lathe Works", "TW", "TW", LATHE, 2_000, kg=20.0,
          description="Spare parts for lathes (repair kit)")  # fmt: skip
    b = CASES["genuine_parts"][0]
    for day in monthly("2023-01-01", 3):
        r.add(day, b, "Formosa Lathe Works", "TW", "TW", PARTS, 7_200, qty=8, kg=90.0,
              description="ЧАСТИ И ПРИНАДЛЕЖНОСТИ ДЛЯ МЕТАЛЛОРЕЖУЩИХ СТАНКОВ")  # fmt: skip
    b = CASES["gearboxes"][0]
    for day in monthly("2023-01-01", 3):
        r.add(day, b, "Bavaria Getriebe GmbH", "DE", "DE", GEARBOX, 12_500, qty=10, kg=480.0,
              description="Gear boxes for motor vehicles")  # fmt: skip
    return r


@pytest.fixture
def found(ws: Workspace, tmp_path: Path) -> dict[str, Finding]:
    _rows().load(ws, tmp_path)
    findings = run_detectors(ws, ["misdeclaration"], {"misdeclaration": {"min_value_usd": 500}})
    return {f.entities[0].id: f for f in findings["misdeclaration"]}


@pytest.mark.parametrize("case", sorted(CASES))
def test_cases(found: dict[str, Finding], case: str) -> None:
    (_, tax), want = CASES[case]
    f = found.get(tax)
    if want is None:
        assert f is None, f"{case}: unexpected finding {f.title if f else ''}"
        return
    assert f is not None, f"{case}: no finding"
    m = f.metrics
    assert f.flags == ["MISDECLARATION"] and len(f.record_ids) == want["lines"]
    for k in ("value_fit", "weight_fit", "model_fit", "desc_whole"):
        if k in want:
            assert m["signals"][k] == want[k], k
    if "reverse" in want:
        assert m["whole_described_as_parts_lines"] == want["reverse"]
    assert f.metrics["raw_score"] >= want.get("min", 0.5)


def test_numbers_in_the_explanation(found: dict[str, Finding]) -> None:
    f = found["7705000001"]
    assert "$250,000" in f.explanation and "10% quantile" in f.explanation and "NVL 3200M" in f.explanation
    line = next(iter(f.metrics["line_details"].values()))
    assert line["unit_value_usd"] == pytest.approx(250_000) and line["whole_quantile_usd"] > 100_000
    assert line["parts_median_usd"] < 1_000
    # one rule for severity: probability 0.83 (calibrated) and $250,000 at stake
    assert f.severity == severity(f.score, f.value_usd) == "high"
    assert [e.role for e in f.entities] == ["importer", "intermediary"]


def test_knowledge_is_data() -> None:
    pairs, part_words, for_words = knowledge()
    tools = next(p for p in pairs if p.id == "machine-tools")
    assert tools.codes["8466"] == "parts" and tools.codes["8460"] == "whole"
    assert "станок" in tools.whole_words and "机床" in tools.whole_words and "tezgah" in tools.whole_words
    assert "части" in part_words and "для" in for_words
