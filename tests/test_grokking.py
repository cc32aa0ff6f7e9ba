"""grouptools.nn.grokking: the milestones a recorded grokking run reports."""

from __future__ import annotations

import pytest

from grouptools.nn import grokking


def test_a_short_run_reports_its_milestones():
    r = grokking.grokking_run("S4", 0, steps=60)
    assert r["group"] == "S4" and r["steps"] == 60 and r["weight_decay"] == 1.0
    assert r["train_99"] is not None and r["train_99"] <= 60  # S4 is memorised within a few dozen full-batch steps
    assert r["test_95"] is None and r["final_test_acc"] < 0.5  # and not yet generalised
    assert grokking.grokking_run("S4", 0, steps=10, weight_decay=0.0)["weight_decay"] == 0.0


def test_unknown_groups_are_refused():
    with pytest.raises(ValueError, match="group must be one of"):
        grokking.grokking_run("A5", 0)
