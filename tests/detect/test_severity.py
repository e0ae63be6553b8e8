"""The one severity rule and the weak-evidence cap (tradetrace.detect.severity)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradetrace.detect.findings import SEVERITIES
from tradetrace.detect.severity import WEAK_CAP, is_strong, settle, severity


@pytest.mark.parametrize(
    ("probability", "value", "expected"),
    [
        (0.01, 50e6, "low"),
        (0.19, 2e6, "low"),
        (0.2, 999_999, "low"),
        (0.2, 1e6, "medium"),
        (0.49, 40e6, "medium"),
        (0.5, 99_999, "low"),
        (0.5, 100_000, "medium"),
        (0.79, 1e6, "high"),
        (0.79, 40e6, "high"),
        (0.8, 0.0, "medium"),
        (0.8, 250_000, "high"),
        (0.99, 5e6, "critical"),
    ],
)
def test_the_rule(probability: float, value: float, expected: str) -> None:
    assert severity(probability, value) == expected


@given(st.floats(0, 1), st.floats(0, 1e9), st.floats(0, 1), st.floats(0, 1e9))
def test_severity_rises_with_probability_and_value(p: float, v: float, dp: float, dv: float) -> None:
    level = SEVERITIES.index(severity(p, v))
    assert SEVERITIES.index(severity(min(1.0, p + dp), v + dv)) >= level
    if p < 0.5:
        assert severity(p, v) in ("low", "medium")


@given(st.floats(0, 1), st.floats(0, 1e9))
def test_a_single_weak_signal_is_never_strong(p: float, v: float) -> None:
    probability, level = settle(p, v, {"weak": "a shared address alone"})
    assert probability == min(p, WEAK_CAP)
    assert not is_strong({"score": probability, "severity": level})
    assert settle(p, v, {"weak": None}) == (p, severity(p, v))
