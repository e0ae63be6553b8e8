"""ROUTE_SWITCH on a million simulated rows: every planted switch, no background pair."""

from __future__ import annotations

from tests.e2e.conftest import Run


def test_precision_and_recall_on_planted_switches(million_run: Run) -> None:
    planted = {
        s["scheme_id"]: s["route_switch"] for s in million_run.truth["schemes"] if s.get("route_switch")
    }
    found = [f for f in million_run.findings if f["detector"].startswith("route_switch@")]
    matched: dict[str, str] = {}
    false_positives = []
    for f in found:
        buyer = f["entities"][0]["id"]
        hit = next(
            (sid for sid, rs in planted.items()
             if rs["buyer_tax_id"] == buyer and rs["origin"] == f["metrics"]["origin"]),
            None,
        )  # fmt: skip
        if hit:
            matched[hit] = f["finding_id"]
        else:
            false_positives.append(f["title"])
    recall = len(matched) / len(planted)
    precision = len(matched) / len(found) if found else 0.0
    print(f"\nROUTE_SWITCH at 1M rows: {len(planted)} planted, {len(found)} found, "
          f"precision {precision:.3f}, recall {recall:.3f}")  # fmt: skip
    assert len(planted) >= 2
    assert recall == 1.0, f"missed: {set(planted) - set(matched)}"
    assert precision == 1.0, f"background pairs flagged: {false_positives}"
    decoy_records = {r for d in million_run.truth.get("decoys", []) for r in d.get("record_ids", [])}
    for f in found:
        assert not decoy_records & set(f["record_ids"]), f"a decoy was flagged: {f['title']}"
