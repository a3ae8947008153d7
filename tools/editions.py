"""Keep the Japanese edition (notebooks/ja/) in step with the English one (notebooks/).

The English notebooks are the one source of truth for code. A Japanese notebook has the same
file name, the same cells in the same order (same kinds, tags and hidden state), and every code
cell equal to the English one except for

* comments (a translator may translate them; ``# NBVAL_…`` markers must stay), and
* string literals listed in ``notebooks/ja/strings.toml`` (English text → Japanese text), the
  printed messages the Japanese edition says in Japanese.

Markdown is free: that is the translation. Shell lines (``!aws …``) and cell magics must be
identical, except that a ``%%writefile`` cell may translate the comments of the file it writes:
a ``.py`` file is compared as a code cell is, a ``.tf`` file by its parsed HCL without comments.

    python tools/editions.py check              # exit 1 and one line per drift
    python tools/editions.py scaffold 00        # start notebooks/ja/00_….ipynb from English
    python tools/editions.py scaffold 05_event_source_mapping   # when two notebooks are 05
    python tools/editions.py sync               # copy changed English code into notebooks/ja/
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tokenize
import tomllib
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path

import hcl2  # python-hcl2, also the built-in Terraform engine's parser
import nbformat

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = ROOT / "notebooks"
STRINGS = "strings.toml"  # in the Japanese folder
NUMBERED = re.compile(r"^\d\d_.*\.ipynb$")
_STRING = re.compile(
    r"^(?P<prefix>[rRbBuUfF]*)(?P<quote>'''|\"\"\"|'|\")(?P<body>.*)(?P=quote)$", re.S
)
_SKIP = {tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}


@dataclass(frozen=True)
class Drift:
    """One difference the editions must not have: where, and what to do about it."""

    notebook: str
    cell: int | None  # 1-based, as JupyterLab counts; None for the whole notebook
    message: str

    def __str__(self) -> str:
        where = self.notebook if self.cell is None else f"{self.notebook} cell {self.cell}"
        return f"{where}: {self.message}"


def load_strings(folder: Path) -> dict[str, str]:
    """The English → Japanese string table of ``folder``; {} when there is none yet."""
    path = folder / STRINGS
    if not path.exists():
        return {}
    table = tomllib.loads(path.read_text(encoding="utf-8")).get("strings", {})
    if not all(isinstance(v, str) for v in table.values()):
        raise ValueError(f"{path}: every entry under [strings] must be English = Japanese text")
    return table


# ----------------------------------------------------------------------------- code tokens
@dataclass(frozen=True)
class _Token:
    kind: int
    text: str
    start: tuple[int, int]
    end: tuple[int, int]


def _mask_magics(source: str) -> tuple[str, list[str]]:
    """Shell (``!cmd``) and line-magic (``%cmd``) lines are not Python: take them out (kept
    for an exact comparison) and leave ``pass`` so the rest still tokenizes."""
    lines, magics = [], []
    for line in source.split("\n"):
        stripped = line.lstrip()
        if stripped.startswith(("!", "%")):
            magics.append(stripped)
            line = line[: len(line) - len(stripped)] + "pass"
        lines.append(line)
    return "\n".join(lines), magics


def _tokens(source: str) -> list[_Token]:
    """Python's tokens, an f-string always as ONE string token (Python 3.12 splits them)."""
    lines = source.split("\n")

    def text(start: tuple[int, int], end: tuple[int, int]) -> str:
        if start[0] == end[0]:
            return lines[start[0] - 1][start[1] : end[1]]
        middle = lines[start[0] : end[0] - 1]
        return "\n".join([lines[start[0] - 1][start[1] :], *middle, lines[end[0] - 1][: end[1]]])

    fstring_start = getattr(tokenize, "FSTRING_START", None)
    fstring_end = getattr(tokenize, "FSTRING_END", None)
    out: list[_Token] = []
    depth, opened = 0, (0, 0)
    for t in tokenize.generate_tokens(io.StringIO(source).readline):
        if fstring_start is not None and t.type == fstring_start:
            depth += 1
            if depth == 1:
                opened = t.start
        elif fstring_end is not None and t.type == fstring_end:
            depth -= 1
            if depth == 0:
                out.append(_Token(tokenize.STRING, text(opened, t.end), opened, t.end))
        elif depth == 0 and t.type not in _SKIP:
            out.append(_Token(t.type, t.string, t.start, t.end))
    return out


def _is_marker(token: _Token) -> bool:
    return token.kind == tokenize.COMMENT and token.text.lstrip("# ").startswith("NBVAL_")


def _string_parts(text: str) -> tuple[str, str] | None:
    m = _STRING.match(text)
    return (m["prefix"].lower(), m["body"]) if m else None


def compare_code(english: str, japanese: str, strings: dict[str, str]) -> str | None:
    """None when ``japanese`` is ``english`` but for comments and listed strings; otherwise
    what differs, in one sentence."""
    if english == japanese:
        return None
    if english.startswith("%%writefile") and japanese.startswith("%%writefile"):
        return _compare_writefile(english, japanese, strings)
    if english.startswith("%%") or japanese.startswith("%%"):
        return "a cell magic (%%…) cell must be identical in both editions"
    en_src, en_magics = _mask_magics(english)
    ja_src, ja_magics = _mask_magics(japanese)
    if en_magics != ja_magics:
        return "a shell or magic line (! or %) differs: these must be identical"
    try:
        en_tokens, ja_tokens = _tokens(en_src), _tokens(ja_src)
    except (tokenize.TokenError, SyntaxError) as exc:
        return f"the code does not tokenize ({exc}); make it identical to the English cell"
    en_markers = [t.text for t in en_tokens if _is_marker(t)]
    if en_markers != [t.text for t in ja_tokens if _is_marker(t)]:
        return f"the NBVAL markers must be kept as they are: {', '.join(en_markers) or 'none'}"
    en_code = [t for t in en_tokens if t.kind != tokenize.COMMENT]
    ja_code = [t for t in ja_tokens if t.kind != tokenize.COMMENT]
    for en, ja in zip(en_code, ja_code, strict=False):
        if (en.kind, en.text) == (ja.kind, ja.text):
            continue
        en_parts = _string_parts(en.text) if en.kind == tokenize.STRING else None
        ja_parts = _string_parts(ja.text) if ja.kind == tokenize.STRING else None
        if en_parts and ja_parts and en_parts[0] == ja_parts[0]:
            if strings.get(en_parts[1]) == ja_parts[1]:
                continue
            return (
                f"line {ja.start[0]}: the string {ja.text} is not the English {en.text} and the "
                f"pair is not in {STRINGS}: add it there, or use the English string"
            )
        return (
            f"line {ja.start[0]}: code differs from the English cell ({ja.text!r} vs {en.text!r})"
        )
    if len(en_code) != len(ja_code):
        return "the code is longer or shorter than the English cell"
    return None


_HCL_COMMENTS = {"__comments__", "__inline_comments__"}  # where python-hcl2 8.1 keeps them


def _without_hcl_comments(tree: object) -> object:
    if isinstance(tree, dict):
        return {k: _without_hcl_comments(v) for k, v in tree.items() if k not in _HCL_COMMENTS}
    if isinstance(tree, list):
        return [_without_hcl_comments(v) for v in tree]
    return tree


def _compare_writefile(english: str, japanese: str, strings: dict[str, str]) -> str | None:
    """A %%writefile cell: the same target; the file's code the same, its comments free."""
    en_magic, _, en_body = english.partition("\n")
    ja_magic, _, ja_body = japanese.partition("\n")
    if en_magic != ja_magic:
        return f"the magic line must be identical: {en_magic}"
    target = en_magic.split()[-1] if len(en_magic.split()) > 1 else ""
    if target.endswith(".py"):
        problem = compare_code(en_body, ja_body, strings)
        return f"in the file it writes ({target}): {problem}" if problem else None
    if target.endswith((".tf", ".hcl")):
        try:
            en_tree, ja_tree = hcl2.loads(en_body), hcl2.loads(ja_body)
        except Exception as exc:  # lark's parse errors have no common public base class
            return (
                f"{target} does not parse as HCL ({type(exc).__name__}): keep its comments as "
                "in English, or fix the file in both editions"
            )
        if _without_hcl_comments(en_tree) == _without_hcl_comments(ja_tree):
            return None
        return f"the Terraform in {target} differs from the English; only its comments may"
    return "a %%writefile cell of this file type must be identical in both editions"


def translate_code(english: str, strings: dict[str, str]) -> str:
    """The English cell with every string listed in the table replaced by its Japanese text."""
    if not strings or english.startswith("%%"):
        return english
    masked, _ = _mask_magics(english)
    try:
        tokens = _tokens(masked)
    except (tokenize.TokenError, SyntaxError):
        return english
    lines = english.split("\n")
    # Replace from the end so earlier positions stay valid; strings never span magic lines.
    for token in reversed([t for t in tokens if t.kind == tokenize.STRING]):
        parts = _string_parts(token.text)
        if parts is None or parts[1] not in strings or token.start[0] != token.end[0]:
            continue
        row, (c0, c1) = token.start[0] - 1, (token.start[1], token.end[1])
        m = _STRING.match(token.text)
        assert m is not None
        new = f"{m['prefix']}{m['quote']}{strings[parts[1]]}{m['quote']}"
        lines[row] = lines[row][:c0] + new + lines[row][c1:]
    return "\n".join(lines)


# ------------------------------------------------------------------------------ notebooks
def _cell_shape(cell: nbformat.NotebookNode) -> tuple[str, tuple[str, ...], bool]:
    hidden = bool(cell.metadata.get("jupyter", {}).get("source_hidden", False))
    return cell.cell_type, tuple(cell.metadata.get("tags", ())), hidden


def compare_notebooks(
    english: nbformat.NotebookNode,
    japanese: nbformat.NotebookNode,
    strings: dict[str, str],
    name: str,
) -> list[Drift]:
    """Every drift between one English notebook and its Japanese edition."""
    if len(english.cells) != len(japanese.cells):
        return [
            Drift(
                name,
                None,
                f"{len(japanese.cells)} cells, the English edition has {len(english.cells)}: "
                "add or remove the same cells in both (tools/editions.py sync needs equal cells)",
            )
        ]
    drifts = []
    for number, (en, ja) in enumerate(zip(english.cells, japanese.cells, strict=True), start=1):
        if _cell_shape(en) != _cell_shape(ja):
            kind, tags, hidden = _cell_shape(en)
            drifts.append(
                Drift(
                    name,
                    number,
                    f"a {ja.cell_type} cell where English has a {kind} cell (tags "
                    f"{list(tags)}, hidden {hidden}): kinds, tags and hidden state must match",
                )
            )
        elif en.cell_type == "code":
            problem = compare_code(en.source, ja.source, strings)
            if problem:
                drifts.append(Drift(name, number, problem))
    return drifts


def japanese_notebooks(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.ipynb") if NUMBERED.match(p.name))


def check(english_dir: Path = ENGLISH, japanese_dir: Path | None = None) -> list[Drift]:
    """Every drift of every Japanese notebook (none exist yet → no drift)."""
    japanese_dir = japanese_dir or english_dir / "ja"
    if not japanese_dir.is_dir():
        return []
    strings = load_strings(japanese_dir)
    drifts: list[Drift] = []
    for path in japanese_notebooks(japanese_dir):
        source = english_dir / path.name
        name = f"ja/{path.name}"
        if not source.exists():
            drifts.append(
                Drift(name, None, f"no English notebook {path.name}: numbers and names must match")
            )
            continue
        drifts += compare_notebooks(
            nbformat.read(source, as_version=4), nbformat.read(path, as_version=4), strings, name
        )
    return drifts


def untranslated(english_dir: Path = ENGLISH, japanese_dir: Path | None = None) -> list[str]:
    """Markdown cells still word for word English (a warning, not a drift)."""
    japanese_dir = japanese_dir or english_dir / "ja"
    found = []
    for path in japanese_notebooks(japanese_dir) if japanese_dir.is_dir() else []:
        source = english_dir / path.name
        if not source.exists():
            continue
        en, ja = nbformat.read(source, as_version=4), nbformat.read(path, as_version=4)
        for number, (a, b) in enumerate(zip(en.cells, ja.cells, strict=False), start=1):
            if a.cell_type == b.cell_type == "markdown" and a.source == b.source and a.source:
                found.append(f"ja/{path.name} cell {number}")
    return found


def _without_outputs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    copy = nbformat.from_dict(deepcopy(nb))
    for cell in copy.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
    return copy


def english_notebook(name: str, english_dir: Path = ENGLISH) -> Path:
    """The English notebook ``name`` stands for: a number (``03``) when only one notebook has
    it, or a file name with or without ``.ipynb`` (``05_event_source_mapping``)."""
    stem = name.removesuffix(".ipynb")
    exact = english_dir / f"{stem}.ipynb"
    if NUMBERED.match(exact.name) and exact.is_file():
        return exact
    matches = sorted(english_dir.glob(f"{stem}_*.ipynb"))
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise SystemExit(f"no English notebook {stem}_*.ipynb in {english_dir}")
    names = ", ".join(m.stem for m in matches)
    raise SystemExit(
        f"{len(matches)} English notebooks start with {stem}_ ({names}): "
        f"name one, e.g. scaffold {matches[0].stem}"
    )


def scaffold(name: str, english_dir: Path = ENGLISH, *, force: bool = False) -> Path:
    """Start ``ja/NN_….ipynb`` from the English notebook ``name`` (a number or a file name):
    the same cells, code with the listed strings in Japanese, no outputs (run
    tools/run_notebooks.py on it after translating)."""
    source = english_notebook(name, english_dir)
    japanese_dir = english_dir / "ja"
    target = japanese_dir / source.name
    if target.exists() and not force:
        raise SystemExit(f"{target} exists: translate it in place, or pass --force to start over")
    strings = load_strings(japanese_dir)
    nb = _without_outputs(nbformat.read(source, as_version=4))
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = translate_code(cell.source, strings)
    japanese_dir.mkdir(exist_ok=True)
    nbformat.write(nb, target)
    return target


def sync(english_dir: Path = ENGLISH) -> list[str]:
    """Copy English code that changed into the Japanese notebooks (listed strings translated;
    a replaced cell loses its translated comments). Markdown is left alone."""
    japanese_dir = english_dir / "ja"
    strings = load_strings(japanese_dir)
    changed = []
    for path in japanese_notebooks(japanese_dir) if japanese_dir.is_dir() else []:
        en = nbformat.read(english_dir / path.name, as_version=4)
        ja = nbformat.read(path, as_version=4)
        if [_cell_shape(c) for c in en.cells] != [_cell_shape(c) for c in ja.cells]:
            raise SystemExit(
                f"ja/{path.name}: its cells no longer line up with the English ones; add or "
                "remove the same cells by hand first (tools/editions.py check says where)"
            )
        touched = False
        for number, (a, b) in enumerate(zip(en.cells, ja.cells, strict=True), start=1):
            if a.cell_type == "code" and compare_code(a.source, b.source, strings):
                b.source, b.outputs, b.execution_count = translate_code(a.source, strings), [], None
                changed.append(f"ja/{path.name} cell {number}")
                touched = True
        if touched:
            nbformat.write(ja, path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/editions.py", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="report every drift; exit 1 if there is one")
    start = sub.add_parser("scaffold", help="start a Japanese notebook from the English one")
    start.add_argument(
        "notebook", help="the notebook number (00) or, when two share it, its file name"
    )
    start.add_argument("--force", action="store_true", help="overwrite an existing one")
    sub.add_parser("sync", help="copy changed English code cells into the Japanese notebooks")
    args = parser.parse_args(argv)
    if args.command == "scaffold":
        print(f"wrote {scaffold(args.notebook, force=args.force)}: translate its Markdown cells")
        return 0
    if args.command == "sync":
        changed = sync()
        print("\n".join(f"updated {c}" for c in changed) or "the Japanese code is up to date")
        return 0
    drifts = check()
    for drift in drifts:
        print(drift)
    for cell in untranslated():
        print(f"warning: {cell} is still in English")
    if not drifts:
        count = len(japanese_notebooks(ENGLISH / "ja")) if (ENGLISH / "ja").is_dir() else 0
        print(f"{count} Japanese notebook(s) in step with the English edition")
    return 1 if drifts else 0


if __name__ == "__main__":
    sys.exit(main())
