"""Number the book's boxes per chapter: "Theorem 6.3", not "Theorem 23".

Sphinx numbers every enumerable node (sphinx-proof's theorem, proposition, lemma,
definition… boxes, sphinx-exercise's numbered exercises, captioned figures, tables and
code blocks) in ``env.toc_fignumbers``. Without a numbered toctree the counters run on
through the whole book. A numbered toctree (``numbered:`` in ``_toc.yml``) would give
"chapter.n" numbers, but its chapter numbers count the pages from 1 (chapter 0 would
become 1) and it also numbers every heading, while the course's titles already carry
the course's chapter numbers ("6 · Representation theory").

So this extension takes the chapter number from the page's title (the leading integer
of ``N · Title``, CONTRIBUTING.md's convention) and renumbers each page's boxes
``(N, 1), (N, 2), …`` in page order, one counter per box type, as sphinx-proof counts
them. Pages whose title has no such number keep a plain count within the page (1, 2, …).
A page with numbered boxes whose file name starts with another number (``06_…`` titled
"7 · …", or not numbered at all) gets a warning, which fails the -W build. Everything
that prints a number
reads ``env.toc_fignumbers``: the boxes' captions, ``{prf:ref}``, ``{numref}`` and
sphinx-exercise's titles, so captions and cross-references agree.

Sphinx's toctree collector computes the numbers in ``env-get-updated`` and compares
them with the previous build's to decide which pages to rewrite; the raw numbers are
put back before it runs, so an incremental build rewrites only what it would anyway.
"""

from __future__ import annotations

import posixpath
import re

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

logger = logging.getLogger(__name__)

# "6 · Representation theory" → 6
CHAPTER_TITLE = re.compile(r"^\s*(\d+)\s*·\s")
# chapters/06_representations, exercises/solutions/06_representations_exercises → 6
CHAPTER_FILE = re.compile(r"^(\d+)_")


def chapter_number(env: BuildEnvironment, docname: str) -> int | None:
    """The course's chapter number of a page, read from its title, or None."""
    title = env.titles.get(docname)
    if title is None:
        return None
    match = CHAPTER_TITLE.match(title.astext())
    return int(match.group(1)) if match else None


def renumber(env: BuildEnvironment, fignumbers: dict) -> dict:
    """Per-page, per-type counters prefixed with the page's chapter number."""
    renumbered: dict = {}
    for docname, by_type in fignumbers.items():
        prefix = chapter_number(env, docname)
        in_file = CHAPTER_FILE.match(posixpath.basename(docname))
        if in_file and int(in_file.group(1)) != prefix:
            logger.warning(
                "numbered boxes in %s are numbered after its title's chapter number (%s), "
                "but its file name says chapter %s", docname, prefix, int(in_file.group(1)),
                location=docname, type="chapter_numbering",
            )
        prefix_tuple = () if prefix is None else (prefix,)
        renumbered[docname] = {}
        for figtype, numbers in by_type.items():
            in_page_order = sorted(numbers, key=numbers.__getitem__)
            renumbered[docname][figtype] = {
                node_id: (*prefix_tuple, n) for n, node_id in enumerate(in_page_order, 1)
            }
    return renumbered


def restore_raw_numbers(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Before the toctree collector: give it back the numbers it computed last time."""
    raw = getattr(env, "chapter_numbering_raw", None)
    if raw is not None:
        env.toc_fignumbers = raw
    return []


def number_per_chapter(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """After the toctree collector: replace its running counts by chapter numbers."""
    env.chapter_numbering_raw = env.toc_fignumbers
    env.toc_fignumbers = renumber(env, env.toc_fignumbers)
    return []


def setup(app: Sphinx) -> dict:
    # The collector listens at the default priority, 500.
    app.connect("env-get-updated", restore_raw_numbers, priority=100)
    app.connect("env-get-updated", number_per_chapter, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
