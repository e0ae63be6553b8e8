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


def test_every_planted_scheme_gets_its_flags_at_a_million_rows(million_run: Run) -> None:
    """Recall 1.0 on the planted schemes' expected flags; at most 5% of findings at or above
    0.5 touch only background firms. Per-flag precision counts hits on schemes that list the flag."""
    findings = [f for f in million_run.findings if f["score"] >= 0.5]
    schemes = million_run.truth["schemes"]
    records = {s["scheme_id"]: set(s["record_ids"]) | set(s.get("payment_record_ids", [])) for s in schemes}
    expected = {s["scheme_id"]: set(s["expected_flags"]) for s in schemes}
    background = [f["title"] for f in findings if not any(set(f["record_ids"]) & r for r in records.values())]
    missed = []
    print(f"\n{len(findings)} findings >= 0.5 at 1M rows; {len(background)} touch only background firms")
    for flag in sorted({fl for e in expected.values() for fl in e}):
        hits = [f for f in findings if flag in f["flags"]]
        true = [
            f for f in hits if any(set(f["record_ids"]) & records[s] and flag in expected[s] for s in records)
        ]
        wanted = [s for s in expected if flag in expected[s]]
        found = [s for s in wanted if any(set(f["record_ids"]) & records[s] for f in hits)]
        missed += [f"{s}: {flag}" for s in wanted if s not in found]
        print(
            f"  {flag:<20} precision {len(true) / max(1, len(hits)):.2f}  recall {len(found)}/{len(wanted)}"
        )
    assert missed == []
    assert len(background) <= 0.05 * len(findings), background
