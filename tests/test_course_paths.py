"""lambdalab.course helpers that need no cloud: finding the course's folders from a notebook."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambdalab import course

ROOT = Path(__file__).resolve().parents[1]


def test_course_path_is_the_same_folder_from_both_editions(tmp_path):
    (tmp_path / "lambda_functions" / "flaky").mkdir(parents=True)
    (tmp_path / "notebooks" / "ja").mkdir(parents=True)
    english = course.course_path("lambda_functions", "flaky", start=tmp_path / "notebooks")
    japanese = course.course_path("lambda_functions", "flaky", start=tmp_path / "notebooks" / "ja")
    assert english == Path("../lambda_functions/flaky")
    assert japanese == Path("../../lambda_functions/flaky")
    assert (tmp_path / "notebooks" / english).resolve() == (
        tmp_path / "notebooks" / "ja" / japanese
    ).resolve()


def test_course_path_from_the_repository_notebooks():
    found = course.course_path("lambda_functions", start=ROOT / "notebooks")
    assert (ROOT / "notebooks" / found / "flaky" / "lambda_function.py").is_file()


def test_course_path_outside_the_repository_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="not inside the lambdalab course repository"):
        course.course_path("lambda_functions", start=tmp_path)


def test_course_path_error_in_japanese(tmp_path, monkeypatch):
    from lambdalab import messages

    monkeypatch.setattr(messages, "_current", "ja")
    with pytest.raises(FileNotFoundError, match="リポジトリの中にありません"):
        course.course_path("lambda_functions", start=tmp_path)
