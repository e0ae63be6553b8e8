"""GOODS_IDENTITY on small messy data: one model through several intermediaries, and the
look-alikes (placeholders for 'no brand', too few intermediaries, one firm spelt three ways)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.detect.builder import Rows, monthly
from tradetrace.detect.findings import Finding
from tradetrace.detect.keys.goods import model_key, placeholders
from tradetrace.detect.runner import run_detectors
from tradetrace.workspace import Workspace

SCOPE = "9030200000"
BUYERS = [
    ("ООО «Тикшозеро»", "7703000001"),
    ("ООО «Ковдозеро»", "7703000002"),
    ("АО «Топозеро»", "7703000003"),
]
# maker -> (model spellings, brand spellings, [(exporter, country), ...]) and expectation
CASES: dict[str, tuple[list[str], list[str], list[tuple[str, str]], dict[str, Any] | None]] = {
    "Helix Messtechnik GmbH": (
        ["HX-200 A", "HX200A", "hx-200a"], ["HELIX", "Helix", "HELIX (GERMANY)"],
        [("Rimal Tech Trading L.L.C", "AE"), ("ТОО «Шалкыма Трейд»", "KZ"), ("SEVKAR TRADE LLC", "AM")],
        {"intermediaries": 3, "countries": ["AE", "AM", "KZ"], "buyers": 3},
    ),
    "Ohne Marke GmbH": (
        ["N/A", "ОТСУТСТВУЕТ", "-"], ["ОТСУТСТВУЕТ", "Б/М", "N/A"],
        [("Rimal Tech Trading L.L.C", "AE"), ("ТОО «Шалкыма Трейд»", "KZ"), ("SEVKAR TRADE LLC", "AM")],
        None,
    ),
    "Zweifach Instruments GmbH": (
        ["ZW-9000"], ["ZWEIFACH"], [("Rimal Tech Trading L.L.C", "AE"), ("SEVKAR TRADE LLC", "AM")], None,
    ),
    "Einfirma Sensorik GmbH": (
        ["ES-4711"], ["EINFIRMA"],
        [("Alpha Trading FZE", "AE"), ("ALPHA TRADING FZE", "AE"), ("Alpha Trading", "AE")], None,
    ),
}  # fmt: skip


def _rows() -> Rows:
    r = Rows("GI")
    for maker, (models, brands, exporters, _) in CASES.items():
        days = monthly("2023-02-06", 3 * len(exporters), 20)
        for i, day in enumerate(days):
            exp, cc = exporters[i % len(exporters)]
            r.add(day, BUYERS[i % 3], exp, cc, "DE", SCOPE, 25_000, manufacturer=maker,
                  brand=brands[i % len(brands)], model=models[i % len(models)], qty=2)  # fmt: skip
    # the maker sold the model directly before the restrictions
    for day in monthly("2021-03-01", 2):
        r.add(day, BUYERS[0], "Helix Messtechnik GmbH", "DE", "DE", SCOPE, 20_000,
              manufacturer="Helix Messtechnik GmbH", brand="HELIX", model="HX-200A")  # fmt: skip
    return r


@pytest.fixture
def found(ws: Workspace, tmp_path: Path) -> dict[str, Finding]:
    _rows().load(ws, tmp_path)
    findings = run_detectors(ws, ["goods_identity"])["goods_identity"]
    return {f.entities[0].name: f for f in findings}


@pytest.mark.parametrize("maker", sorted(CASES))
def test_cases(found: dict[str, Finding], maker: str) -> None:
    want = CASES[maker][3]
    f = found.get(maker)
    if want is None:
        assert f is None, f"{maker}: unexpected finding {f.title if f else ''}"
        return
    assert f is not None, f"{maker}: no finding among {sorted(found)}"
    (model,) = f.metrics["models"]
    assert model["intermediaries"] == want["intermediaries"]
    assert model["intermediary_countries"] == want["countries"] and model["buyers"] == want["buyers"]
    assert sorted(model["spellings"]) == sorted(CASES[maker][0])
    assert model["direct_before_shipments"] == 2 and model["direct_before_usd"] == pytest.approx(40_000)
    assert f.flags == ["GOODS_IDENTITY"] and f.metrics["raw_score"] >= 0.5 and len(f.record_ids) == 9
    roles = [e.role for e in f.entities]
    assert roles[0] == "supplier" and roles.count("intermediary") == 3 and roles.count("importer") == 3


def test_placeholders_are_data() -> None:
    no_brand, no_model = placeholders()
    assert (
        model_key("Б/М") in no_brand and model_key("n/a") in no_model and model_key("ОТСУТСТВУЕТ") in no_brand
    )
    assert model_key(" HX-200 a ") == "HX200A"


def test_fewer_intermediaries_needed_by_parameter(ws: Workspace, tmp_path: Path) -> None:
    _rows().load(ws, tmp_path)
    out = run_detectors(ws, ["goods_identity"], {"goods_identity": {"min_intermediaries": 2}})
    assert {f.entities[0].name for f in out["goods_identity"]} == {
        "Helix Messtechnik GmbH",
        "Zweifach Instruments GmbH",
    }
