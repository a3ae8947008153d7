"""docs/AWS_BEHAVIOUR.md is where the AWS rules live: citations in code and tests must resolve.

A citation is ``[AWS_BEHAVIOUR: anchor-id]`` (several ids separated by ``, ``); each id is an
``<a id="…">`` anchor in the document. The old numbered citations into a specification outside
the repository must not come back, and every test the document names must exist.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "AWS_BEHAVIOUR.md"
SECTION_SIGN = "\u00a7"  # written as an escape so this file does not trip its own check
CITATION = re.compile(r"\[AWS_BEHAVIOUR: ([^\]]*)\]")
ANCHOR_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
ANCHOR = re.compile(r'<a id="([^"]+)"></a>')
NAMED_TEST = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")
CITING = ("src", "tests")
ALSO_CITING = ("docs/ARCHITECTURE.md",)


def anchors(text: str) -> list[str]:
    return ANCHOR.findall(text)


def citations(text: str) -> list[tuple[int, str]]:
    """(line number, anchor id) of every citation in ``text``."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for match in CITATION.finditer(line):
            found.extend((number, part.strip()) for part in match.group(1).split(","))
    return found


def sources() -> list[Path]:
    """Files whose citations must resolve (this checker's own examples excepted)."""
    this = Path(__file__).resolve()
    files = [p for top in CITING for p in sorted((ROOT / top).rglob("*.py")) if p != this]
    return files + [ROOT / name for name in ALSO_CITING]


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_anchors_are_unique_and_well_formed():
    ids = anchors(DOC.read_text(encoding="utf-8"))
    assert len(ids) > 50
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    assert [i for i in ids if not ANCHOR_ID.fullmatch(i)] == []


def test_every_citation_names_an_anchor_of_the_document():
    known = set(anchors(DOC.read_text(encoding="utf-8")))
    broken, total = [], 0
    for path in sources():
        for line, anchor in citations(path.read_text(encoding="utf-8")):
            total += 1
            if anchor not in known:
                broken.append(f"{_relative(path)}:{line}: {anchor!r}")
    assert broken == [], "citations of anchors missing in docs/AWS_BEHAVIOUR.md:\n" + "\n".join(
        broken
    )
    assert total > 100  # the code really cites the document (a broken regex would find none)


def test_no_section_sign_citation_remains():
    left = [
        f"{_relative(path)}:{number}: {line.strip()}"
        for path in sources()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SECTION_SIGN in line
    ]
    assert left == [], "cite docs/AWS_BEHAVIOUR.md ([AWS_BEHAVIOUR: id]) instead:\n" + "\n".join(
        left
    )


def test_the_specification_outside_the_repository_is_not_named():
    named = [_relative(p) for p in sources() if "lambda-async-spec" in p.read_text("utf-8")]
    assert named == []


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def test_every_test_the_document_names_exists():
    text = DOC.read_text(encoding="utf-8")
    named = NAMED_TEST.findall(text)
    assert len(named) > 100
    missing = [
        f"{file}::{test}"
        for file, test in named
        if not (ROOT / file).is_file() or test not in _test_names(ROOT / file)
    ]
    assert missing == [], "docs/AWS_BEHAVIOUR.md names tests that do not exist:\n" + "\n".join(
        missing
    )


def test_every_rule_says_which_tests_cover_it():
    text = DOC.read_text(encoding="utf-8")
    parts = ANCHOR.split(text)[1:]  # [id, body, id, body, …]
    rules = zip(parts[::2], parts[1::2], strict=True)
    untested = [anchor for anchor, body in rules if not NAMED_TEST.search(body)]
    assert untested == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x  # [AWS_BEHAVIOUR: async-retries]", [(1, "async-retries")]),
        ("[AWS_BEHAVIOUR: a-b, c]\nno\n[AWS_BEHAVIOUR: d]", [(1, "a-b"), (1, "c"), (3, "d")]),
        ("AWS_BEHAVIOUR: loose", []),
    ],
)
def test_citations_are_found_where_they_are(text, expected):
    assert citations(text) == expected


def test_a_citation_of_a_missing_anchor_would_be_caught():
    known = set(anchors(DOC.read_text(encoding="utf-8")))
    assert "async-retries" in known
    assert [a for _, a in citations("[AWS_BEHAVIOUR: async-retries, no-such-rule]")] == [
        "async-retries",
        "no-such-rule",
    ]
    assert "no-such-rule" not in known
