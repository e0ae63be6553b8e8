"""PRICE_ANOMALY on small messy data: markups on rerouted goods, and the look-alikes
(small markups, a maker's steady premium sold direct, too few lines, outlier lines)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.detect.builder import Rows, monthly
from tradetrace.detect.runner import run_detectors
from tradetrace.workspace import Workspace

BEARING = "8482101009"
MAKER = "Shiranui Seiko Co., Ltd."
# buyer -> (exporter, country, unit price, lines) and expectation
CASES: dict[str, tuple[tuple[str, str], tuple[str, str, float, int], dict[str, Any] | None]] = {
    "markup_via_hubs": (("ООО «Сегозеро Привод»", "7706000001"), ("ОсОО «Сон-Куль Трейд»", "KG", 13.0, 5),
                        {"ratio": (3.0, 3.6), "min": 0.6}),
    "small_markup": (("ООО «Чуть Дороже»", "7706000002"), ("ООО «Ахурян Импорт»", "AM", 5.0, 5), None),
    "direct_premium": (("ООО «Премиум»", "7706000003"), (MAKER, "JP", 12.0, 5), None),
    "too_few_lines": (("ООО «Мало»", "7706000004"), ("ОсОО «Сон-Куль Трейд»", "KG", 13.0, 2), None),
}  # fmt: skip


def _rows() -> Rows:
    r = Rows("PA")
    # the norm: the maker's own sales at about $4 a bearing, in USD and JPY, to many buyers
    for i, day in enumerate(monthly("2019-02-04", 30, 60)):
        price = 3.6 + 0.03 * i
        jpy = i % 3 == 0
        r.add(day, (f"Buyer {i % 7}", f"9900000{i % 7}"), MAKER, "JP", "JP", BEARING, 500 * price, dest="KZ",
              qty=500, currency="JPY" if jpy else "USD", usd=f"{500 * price:.2f}" if jpy else None,
              manufacturer=MAKER)  # fmt: skip
    for _case, (buyer, (exp, cc, price, n), _) in CASES.items():
        for i, day in enumerate(monthly("2023-07-10", n, 45)):
            qty = 300 + 50 * i
            r.add(day, buyer, exp, cc, "JP", BEARING, qty * price * (1.05 if i % 2 else 0.95), qty=qty,
                  manufacturer=MAKER if i % 2 else MAKER.upper(), brand="SHIRANUI")  # fmt: skip
    # one wild line among normal ones is an outlier, not a pattern
    b = ("ООО «Один Выброс»", "7706000005")
    for i, day in enumerate(monthly("2023-07-10", 5, 45)):
        r.add(day, b, "ОсОО «Сон-Куль Трейд»", "KG", "JP", BEARING, 400 * (40.0 if i == 0 else 4.0), qty=400,
              manufacturer=MAKER)  # fmt: skip
    return r


@pytest.fixture
def loaded(ws: Workspace, tmp_path: Path) -> Workspace:
    return _rows().load(ws, tmp_path)


@pytest.mark.parametrize("case", sorted(CASES))
def test_cases(loaded: Workspace, case: str) -> None:
    found = {f.entities[0].id: f for f in run_detectors(loaded, ["price_anomaly"])["price_anomaly"]}
    assert "7706000005" not in found
    (_, tax), _, want = CASES[case]
    f = found.get(tax)
    if want is None:
        assert f is None, f"{case}: unexpected finding {f.title if f else ''}"
        return
    assert f is not None, f"{case}: no finding"
    lo, hi = want["ratio"]
    assert lo <= f.metrics["ratio"] <= hi and f.metrics["raw_score"] >= want["min"]
    assert f.metrics["third_country_route"] is True and f.metrics["pair_z"] >= 3
    (goods,) = f.metrics["goods"]
    assert goods["norm_lines"] == 35 and goods["norm_unit_usd"] == pytest.approx(4.0, rel=0.1)
    assert [e.role for e in f.entities] == ["importer", "supplier", "intermediary"]
    assert "3." in f.title and "Сон-Куль" in f.explanation


def test_direct_premium_with_parameter(loaded: Workspace) -> None:
    out = run_detectors(loaded, ["price_anomaly"], {"price_anomaly": {"include_direct": True}})
    direct = [f for f in out["price_anomaly"] if f.entities[0].id == "7706000003"]
    assert len(direct) == 1 and direct[0].metrics["third_country_route"] is False
    assert direct[0].metrics["raw_score"] < next(
        f.metrics["raw_score"] for f in out["price_anomaly"] if f.entities[0].id == "7706000001"
    )
