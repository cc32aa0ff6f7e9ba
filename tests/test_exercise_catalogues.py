"""Every checker of every chapter has a catalogue of at least five planted wrong answers.

The catalogues live in ``tests/test_exercises_chNN.py`` as calls ``assert_fails(checker, wrong_answer,
*fragments)``: each runs the checker on a plausible wrong answer and asserts that it is rejected with a
message naming the bug. This test counts those calls statically (a call inside a ``for`` loop over a
literal list counts once per item), so a checker added without its catalogue fails here.
"""

from __future__ import annotations

import ast
import importlib
from collections import Counter
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
MINIMUM = 5


def _literal_length(it: ast.expr) -> int | None:
    if isinstance(it, (ast.List, ast.Tuple, ast.Set)):
        return len(it.elts)
    if isinstance(it, ast.Dict):
        return len(it.keys)
    if (isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) and it.func.attr in ("items", "values", "keys")
            and isinstance(it.func.value, ast.Dict)):
        return len(it.func.value.keys)
    return None


def planted_wrong_answers(source: str) -> Counter:
    """Checker name → number of ``assert_fails`` calls on it in a test module's source."""
    counts: Counter = Counter()
    for fn in [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef)]:
        names = {n.targets[0].id: n.value.value for n in ast.walk(fn)
                 if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)
                 and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)}

        def visit(node: ast.AST, times: int) -> None:
            if isinstance(node, ast.FunctionDef) and node is not fn:
                return  # a nested function is visited on its own, once
            if isinstance(node, ast.For):
                for child in node.body:
                    visit(child, times * (_literal_length(node.iter) or 1))
                return
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "assert_fails" and node.args:
                first = node.args[0]
                key = first.value if isinstance(first, ast.Constant) else names.get(getattr(first, "id", ""))
                if isinstance(key, str):
                    counts[key] += times
            for child in ast.iter_child_nodes(node):
                visit(child, times)

        for statement in fn.body:
            visit(statement, 1)
    return counts


@pytest.mark.parametrize("chapter", range(1, 11))
def test_every_checker_rejects_at_least_five_planted_wrong_answers(chapter):
    checkers = importlib.import_module(f"grouptools.exercises.ch{chapter:02d}")
    names = [n for n in getattr(checkers, "__all__", dir(checkers)) if n.startswith("check_")]
    assert names, f"chapter {chapter} exports no checkers"
    counts = planted_wrong_answers((TESTS / f"test_exercises_ch{chapter:02d}.py").read_text())
    short = {n: counts[n] for n in names if counts[n] < MINIMUM}
    assert not short, f"chapter {chapter}: checkers with fewer than {MINIMUM} planted wrong answers: {short}"


def test_the_count_follows_names_and_literal_loops():
    source = '''
def test_a():
    name = "check_x"
    assert_fails(name, lambda: 1, "msg")
    for wrong in [1, 2, 3]:
        assert_fails("check_x", wrong)
    def helper():
        assert_fails("check_y", 0)
'''
    assert planted_wrong_answers(source) == Counter({"check_x": 4, "check_y": 1})
