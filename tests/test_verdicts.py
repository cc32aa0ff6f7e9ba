"""One verdict vocabulary across the book (defined in Chapter 0, *How the course reads its source*).

Every verdict admonition ("Verdict: …") and every cell of a "verdict" column in a chapter's tables
must start each of its ";"-separated parts with one of the six labels, so that a reader who learnt
the labels once can read every verdict the same way.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
LABELS = ("holds after repair", "holds, trivially", "holds", "vacuous", "false", "not a statement")


def _markdown(path: Path) -> str:
    nb = json.loads(path.read_text())
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def _parts(verdict: str) -> list[str]:
    # split at semicolons outside brackets: "holds after repair (finite subsets; in order); false"
    parts, depth, cur = [], 0, ""
    for ch in verdict:
        depth += ch in "(["
        depth -= ch in ")]"
        if ch == ";" and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [p.strip().strip("*").strip() for p in parts + [cur] if p.strip()]


def admonition_verdicts(text: str) -> list[str]:
    return re.findall(r"```\{admonition\}\s*Verdicts?:\s*(.+)", text)


def table_verdicts(text: str) -> list[str]:
    out = []
    for block in re.split(r"\n\s*\n", text):
        rows = [r for r in block.splitlines() if r.strip().startswith("|")]
        if len(rows) < 3:
            continue
        header = [h.strip().lower() for h in rows[0].strip().strip("|").split("|")]
        if "verdict" not in header:
            continue
        k = header.index("verdict")
        for row in rows[2:]:
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", row.strip().strip("|"))]
            if len(cells) > k:
                out.append(cells[k])
    return out


#: what may follow a label in the same part: nothing, or a qualifier ("false as stated", "holds for faithful actions")
QUALIFIERS = (" (", ":", ",", " —", " for ", " in ", " as ", " on ", " when ", " with ", " only ", " at ", " if ", " once ")
STATEMENT = re.compile(r"^(the )?(definition|lemma|theorem|corollary|proposition|remark)s? \d", re.IGNORECASE)


def _label_of(part: str) -> bool:
    """A label with an optional qualifier, or "subject: label …" ("Lemma 1: holds, trivially")."""
    part = part.lower()
    if not part.startswith(LABELS) and ": " in part:
        part = part.split(": ", 1)[1]
    for label in sorted(LABELS, key=len, reverse=True):
        if part.startswith(label):
            rest = part[len(label):]
            return rest == "" or rest.startswith(QUALIFIERS)
    return False


def bad_parts(verdict: str) -> list[str]:
    """The parts of a verdict that break the vocabulary.

    The first part must be a label (or "subject: label"); a later part may explain, but one that
    starts by naming a statement ("Theorem 5 is false …") must give that statement its label the same
    way ("Theorem 5: false in general").
    """
    parts = _parts(verdict)
    return [p for k, p in enumerate(parts) if (k == 0 or STATEMENT.match(p)) and not _label_of(p)]


def test_the_vocabulary_is_defined_once_in_chapter_0():
    text = _markdown(ROOT / "chapters" / "00_setup.ipynb")
    assert "(ch00-verdicts)=" in text
    for label in LABELS:
        assert f"\n{label}\n: " in text, label
    for path in CHAPTERS[1:]:
        assert "(ch00-verdicts)=" not in _markdown(path)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_verdict_uses_the_vocabulary(path):
    text = _markdown(path)
    verdicts = admonition_verdicts(text) + table_verdicts(text)
    wrong = {v: bad_parts(v) for v in verdicts if bad_parts(v)}
    assert not wrong, f"{path.name}: verdict parts outside the vocabulary {LABELS}: {wrong}"


def test_the_verdict_table_is_found_and_checked():
    text = _markdown(ROOT / "chapters" / "11_verdicts.ipynb")
    rows = table_verdicts(text)
    assert len(rows) >= 40  # every numbered statement of source 000
    assert bad_parts("falsch") == ["falsch"] and bad_parts("holds after repair (a; b); the hypothesis fails") == []
    assert bad_parts("true") == ["true"] and bad_parts("holds trivially after repair") == ["holds trivially after repair"]
    assert bad_parts("false; Theorem 5 is false in general") == ["Theorem 5 is false in general"]
    assert bad_parts("Lemma 1: holds, trivially; Theorem 2: false in general") == []
    assert bad_parts("Lemma 1 holds, trivially") == ["Lemma 1 holds, trivially"]  # the colon marks the subject
