"""tools/editions.py: the Japanese edition's code cannot drift from the English edition's."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tools import editions

STRINGS = {
    "Not yet:": "まだです:",
    "en": "ja",
    "Correct! {n} attempts.": "正解です！ 試行 {n} 回。",
}
CHECK = """\
# NBVAL_IGNORE_OUTPUT
import json  # standard library
from lambdalab import messages

messages.set_language("en")
n = 2
print("Not yet:", json.dumps({"n": n}))
print(f"Correct! {n} attempts.")
!aws s3 ls
"""
SOLUTION_METADATA = {"tags": ["solution"], "jupyter": {"source_hidden": True}}


def english_notebook():
    return new_notebook(
        cells=[
            new_markdown_cell("# 01 · Retries\n\nWhen a function fails, Lambda retries."),
            new_code_cell(CHECK),
            new_code_cell("%%writefile main.tf\n# the role\nresource {}\n"),
            new_code_cell("x = 1  # the answer", metadata=SOLUTION_METADATA),
        ]
    )


def japanese_notebook():
    nb = english_notebook()
    nb.cells[0].source = "# 01 · 再試行\n\n関数が失敗すると、Lambda は再試行します。"
    nb.cells[1].source = (
        CHECK.replace("# standard library", "# 標準ライブラリ")
        .replace('"Not yet:"', '"まだです:"')
        .replace('set_language("en")', 'set_language("ja")')
        .replace('f"Correct! {n} attempts."', 'f"正解です！ 試行 {n} 回。"')
    )
    nb.cells[3].source = "x = 1  # 答え"
    return nb


def write_pair(tmp_path, english, japanese, strings=STRINGS, name="01_retries.ipynb"):
    (tmp_path / "ja").mkdir(exist_ok=True)
    nbformat.write(english, tmp_path / name)
    nbformat.write(japanese, tmp_path / "ja" / name)
    lines = ["[strings]"] + [f"{key!r} = {value!r}" for key, value in strings.items()]
    (tmp_path / "ja" / editions.STRINGS).write_text("\n".join(lines) + "\n", encoding="utf-8")


def drifts(tmp_path):
    return [str(d) for d in editions.check(tmp_path)]


def test_a_translated_pair_is_in_step(tmp_path):
    write_pair(tmp_path, english_notebook(), japanese_notebook())
    assert drifts(tmp_path) == []
    assert editions.untranslated(tmp_path) == []


@pytest.mark.parametrize(
    ("drift", "expected"),
    [
        (
            lambda nb: nb.cells[1].__setitem__(
                "source", nb.cells[1].source.replace("n = 2", "n = 3")
            ),
            "ja/01_retries.ipynb cell 2: line 6: code differs from the English cell ('3' vs '2')",
        ),
        (
            lambda nb: nb.cells[1].__setitem__(
                "source", nb.cells[1].source.replace("まだです:", "未完:")
            ),
            'cell 2: line 7: the string "未完:" is not the English "Not yet:" and the pair',
        ),
        (
            lambda nb: nb.cells[1].__setitem__(
                "source", nb.cells[1].source.replace("# NBVAL_IGNORE_OUTPUT\n", "")
            ),
            "cell 2: the NBVAL markers must be kept as they are: # NBVAL_IGNORE_OUTPUT",
        ),
        (
            lambda nb: nb.cells[1].__setitem__(
                "source", nb.cells[1].source.replace("s3 ls", "s3 ls --recursive")
            ),
            "cell 2: a shell or magic line (! or %) differs",
        ),
        (
            lambda nb: nb.cells[2].__setitem__(
                "source", nb.cells[2].source.replace("resource {}", 'resource "x" {}')
            ),
            "cell 3: the Terraform in main.tf differs from the English; only its comments may",
        ),
        (
            lambda nb: nb.cells[3].metadata.__setitem__("tags", []),
            "cell 4: a code cell where English has a code cell (tags ['solution'], hidden True)",
        ),
        (
            lambda nb: nb.cells.__setitem__(0, new_code_cell("print()")),
            "cell 1: a code cell where English has a markdown cell",
        ),
        (
            lambda nb: nb.cells.append(new_markdown_cell("おまけ")),
            "ja/01_retries.ipynb: 5 cells, the English edition has 4",
        ),
        (
            lambda nb: nb.cells[3].__setitem__("source", "x = 1\ny = 2"),
            "cell 4: the code is longer or shorter than the English cell",
        ),
    ],
    ids=[
        "value",
        "unlisted-string",
        "nbval-marker",
        "shell-line",
        "cell-magic",
        "tags",
        "kind",
        "cell-count",
        "longer",
    ],
)
def test_every_kind_of_drift_fails_the_check(tmp_path, drift, expected):
    japanese = japanese_notebook()
    drift(japanese)
    write_pair(tmp_path, english_notebook(), japanese)
    found = drifts(tmp_path)
    assert len(found) == 1 and expected in found[0], found


def test_a_string_pair_must_be_listed(tmp_path):
    write_pair(tmp_path, english_notebook(), japanese_notebook(), strings={"en": "ja"})
    found = drifts(tmp_path)
    assert [d.split(": line")[0] for d in found] == ["ja/01_retries.ipynb cell 2"]
    assert "まだです:" in found[0]


def test_a_japanese_notebook_needs_its_english_twin(tmp_path):
    write_pair(tmp_path, english_notebook(), japanese_notebook())
    nbformat.write(japanese_notebook(), tmp_path / "ja" / "09_extra.ipynb")
    assert drifts(tmp_path) == [
        "ja/09_extra.ipynb: no English notebook 09_extra.ipynb: numbers and names must match"
    ]


def test_no_japanese_edition_is_no_drift(tmp_path):
    nbformat.write(english_notebook(), tmp_path / "01_retries.ipynb")
    assert editions.check(tmp_path) == []


def test_scaffold_starts_a_notebook_that_is_in_step(tmp_path):
    english = english_notebook()
    english.cells[1].outputs = [nbformat.v4.new_output("stream", text="Not yet: 2\n")]
    write_pair(tmp_path, english, japanese_notebook())
    (tmp_path / "ja" / "01_retries.ipynb").unlink()
    path = editions.scaffold("01", tmp_path)
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[1].outputs == [] and 'print("まだです:"' in nb.cells[1].source
    assert 'set_language("ja")' in nb.cells[1].source
    assert drifts(tmp_path) == []
    assert editions.untranslated(tmp_path) == ["ja/01_retries.ipynb cell 1"]
    with pytest.raises(SystemExit, match="exists"):
        editions.scaffold("01", tmp_path)


def test_scaffold_takes_a_file_name_when_two_notebooks_share_a_number(tmp_path):
    write_pair(tmp_path, english_notebook(), japanese_notebook(), name="05_esm.ipynb")
    nbformat.write(english_notebook(), tmp_path / "05_terraform.ipynb")
    (tmp_path / "ja" / "05_esm.ipynb").unlink()
    with pytest.raises(SystemExit, match=r"2 English notebooks start with 05_ \(05_esm, 05_ter"):
        editions.scaffold("05", tmp_path)
    assert not (tmp_path / "ja" / "05_esm.ipynb").exists()
    assert editions.scaffold("05_esm", tmp_path) == tmp_path / "ja" / "05_esm.ipynb"
    assert editions.scaffold("05_terraform.ipynb", tmp_path).name == "05_terraform.ipynb"
    assert drifts(tmp_path) == []
    with pytest.raises(SystemExit, match="no English notebook 06_"):
        editions.scaffold("06", tmp_path)


def test_sync_brings_changed_english_code_over(tmp_path):
    write_pair(tmp_path, english_notebook(), japanese_notebook())
    english = english_notebook()
    english.cells[1].source = english.cells[1].source.replace("n = 2", "n = 3")
    nbformat.write(english, tmp_path / "01_retries.ipynb")
    assert len(drifts(tmp_path)) == 1
    assert editions.sync(tmp_path) == ["ja/01_retries.ipynb cell 2"]
    assert drifts(tmp_path) == []
    ja = nbformat.read(tmp_path / "ja" / "01_retries.ipynb", as_version=4)
    assert ja.cells[0].source.startswith("# 01 · 再試行")  # the translation is kept
    assert ja.cells[3].source == "x = 1  # 答え"  # unchanged code keeps its comments


def test_the_course_editions_are_in_step():
    """Every notebooks/ja/NN_*.ipynb that exists (zero or more) matches notebooks/NN_*.ipynb."""
    assert [str(d) for d in editions.check()] == []


def test_a_drifted_copy_of_the_real_japanese_notebook_is_caught():
    """The check on the course's own pair, after one code change made only in Japanese."""
    names = [p.name for p in editions.japanese_notebooks(editions.ENGLISH / "ja")]
    if not names:
        pytest.skip("no Japanese notebook yet")
    english = nbformat.read(editions.ENGLISH / names[0], as_version=4)
    japanese = nbformat.read(editions.ENGLISH / "ja" / names[0], as_version=4)
    strings = editions.load_strings(editions.ENGLISH / "ja")
    assert editions.compare_notebooks(english, japanese, strings, names[0]) == []
    number, cell = next((n, c) for n, c in enumerate(japanese.cells, 1) if c.cell_type == "code")
    cell.source += "\nprint('一行多い')"
    found = editions.compare_notebooks(english, japanese, strings, names[0])
    assert [(d.cell, d.message) for d in found] == [
        (number, "the code is longer or shorter than the English cell")
    ]
