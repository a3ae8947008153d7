"""One messages table per language: the same keys and the same {fields} in each."""

from __future__ import annotations

import string

import pytest

from lambdalab import messages


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_language_has_every_message_with_the_same_fields():
    english = messages.MESSAGES["en"]
    for lang in messages.LANGUAGES:
        table = messages.MESSAGES[lang]
        assert table.keys() == english.keys(), lang
        for key, template in english.items():
            assert _fields(table[key]) == _fields(template), (lang, key)


def test_japanese_messages_are_japanese():
    for key, template in messages.MESSAGES["ja"].items():
        if key == "seconds" or template == messages.MESSAGES["en"][key]:
            continue
        assert any("\u3040" <= ch <= "\u9fff" for ch in template), key


def test_text_formats_in_the_chosen_language(monkeypatch):
    monkeypatch.setattr(messages, "_current", "en")
    assert messages.text("conc.title", peak=3) == "Concurrency: at most 3 at once"
    assert messages.text("conc.title", "ja", peak=3) == "同時実行数: 最大 3"
    messages.set_language("ja")
    assert messages.get_language() == "ja"
    assert messages.text("seconds", n="+60") == "+60 秒"


def test_unknown_language_says_which_exist():
    with pytest.raises(ValueError, match=r"unknown language 'de': choose one of en, ja"):
        messages.text("conc.title", "de", peak=1)
