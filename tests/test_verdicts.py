"""The verdict table of Chapter 11 is complete, well formed, and points at evidence that exists.

Source 000 numbers 30 statements in its Section II and 23 in Section III; each must appear
exactly once, in order, with a verdict that starts with one of the course's six verdict
words, and every ``{ref}`` in the table must name a label defined in some chapter.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from grouptools.notebooks import ROOT

CHAPTER = ROOT / "chapters" / "11_verdicts.ipynb"

SECTION_II = (
    ["Definition 1", "Proposition 1", "Lemma 1", "Corollary 1", "Theorem 1", "Definition 2", "Remark 1", "Proposition 2"]
    + ["Corollary 2", "Definition 3", "Theorem 2", "Lemma 2", "Proposition 3", "Corollary 3", "Definition 4"]
    + ["Lemma 3", "Theorem 3", "Corollary 4", "Definition 5", "Lemma 4", "Theorem 4", "Corollary 5"]
    + ["Definition 6", "Lemma 5", "Theorem 5", "Corollary 6", "Definition 7", "Lemma 6", "Theorem 6", "Corollary 7"]
)
SECTION_III = [
    "Definition 1", "Lemma 1", "Theorem 1", "Corollary 1", "Definition 2", "Proposition 1", "Lemma 2",
    "Theorem 2", "Corollary 2", "Remark 1", "Definition 3", "Lemma 3", "Proposition 2", "Definition 4",
    "Lemma 4", "Theorem 3", "Corollary 3", "Remark 2", "Definition 5", "Proposition 3", "Theorem 4",
    "Corollary 4", "Remark 3",
]  # fmt: skip
VERDICT_WORDS = ("holds after repair", "holds, trivially", "holds", "false", "empirical", "not a statement")
ROW = re.compile(r"^\| ((?:Definition|Lemma|Theorem|Proposition|Corollary|Remark) \d+) \|(.*)\|$")
REF = re.compile(r"\{ref\}`([^`<>]+)`")
LABEL = re.compile(r"^\(([\w-]+)\)=$", re.M)


def _tables() -> list[list[tuple[str, list[str]]]]:
    """The rows of each table in the chapter: (statement, [precisely, verdict, evidence])."""
    nb = nbformat.read(CHAPTER, as_version=4)
    tables = []
    for cell in nb.cells:
        if cell.cell_type != "markdown" or "| statement |" not in cell.source:
            continue
        rows = []
        for line in cell.source.splitlines():
            m = ROW.match(line)
            if m:
                rows.append((m.group(1), [c.strip() for c in m.group(2).split("|")]))
        tables.append(rows)
    return tables


def _labels() -> set[str]:
    found = set()
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                found.update(LABEL.findall(cell.source))
    return found


def test_both_sections_are_complete_and_in_order():
    tables = _tables()
    assert len(tables) == 2, f"expected the Section II and Section III tables, found {len(tables)}"
    assert [name for name, _ in tables[0]] == SECTION_II
    assert [name for name, _ in tables[1]] == SECTION_III
    assert len(SECTION_II) + len(SECTION_III) == 53


@pytest.mark.parametrize("section", [0, 1], ids=["II", "III"])
def test_every_row_has_a_statement_a_verdict_word_and_evidence(section):
    for name, cells in _tables()[section]:
        assert len(cells) == 3 and all(cells), f"{name}: expected 'precisely | verdict | evidence', got {cells}"
        precisely, verdict, evidence = cells
        assert verdict.startswith(VERDICT_WORDS), f"{name}: verdict {verdict!r} starts with none of {VERDICT_WORDS}"
        remark = name.startswith("Remark") or verdict.startswith("not a statement")
        assert REF.search(evidence) or (remark and evidence == "—"), f"{name}: no link to evidence in {evidence!r}"


def test_every_reference_names_a_label_that_exists():
    labels = _labels()
    refs = {ref for table in _tables() for _, cells in table for ref in REF.findall(cells[2])}
    assert refs, "the tables link to no evidence"
    missing = sorted(refs - labels)
    assert not missing, f"labels not defined in any chapter: {missing}"


def test_the_parser_sees_a_planted_mistake():
    """Guard against a parser that silently finds nothing: a row with a bad verdict is caught."""
    m = ROW.match("| Lemma 9 | something | probably true | {ref}`ch11-table` |")
    assert m and not m.group(2).split("|")[1].strip().startswith(VERDICT_WORDS)
