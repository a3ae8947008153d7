"""Every learner-facing text of the charts and course helpers, one table per language.

The English and Japanese editions of the notebooks run the same code; the Japanese one calls
``messages.set_language("ja")`` once in its Setup cell (the English one ``"en"``), and every
chart title, label and legend after that is Japanese. Terms follow AWS's own Japanese
documentation (docs/glossary-ja.md), e.g. 関数エラー, イベントの最大有効期間, 実行環境.

``text(key, **fields)`` formats one message; a key missing from a language is a bug, and
tests/test_messages.py checks both tables have the same keys and the same ``{fields}``.
"""

from __future__ import annotations

LANGUAGES = ("en", "ja")

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        # outcomes of one attempt, as the charts colour them
        "status.ok": "succeeded",
        "status.error": "function error",
        "status.timeout": "timed out",
        "status.running": "running",
        "seconds": "{n} s",
        # retry timeline
        "retry.attempt": "attempt {n} · {offset}",
        "retry.waited": "waited {wait}",
        "retry.xlabel": (
            "seconds since the first attempt (lab or AWS clock, from the log timestamps)"
        ),
        "retry.title": "Attempts of request {request_id}",
        "retry.title_group": "{log_group}: attempts of request {request_id}",
        "retry.dropped_retries": "✕ dropped: retries exhausted\n(MaximumRetryAttempts={retries})",
        "retry.dropped_age": (
            "✕ dropped: event too old\n(next retry ≥ MaximumEventAgeInSeconds={age})"
        ),
        "retry.not_run": "retry at {offset}: not run",
        "retry.max_age": "maximum event age {age}",
        "retry.legend_not_run": "retry not run",
        "retry.no_attempts": "no attempts to draw",
        "retry.no_invocations": "no invocations found (no START lines in these logs)",
        "retry.unknown_request": "request {request_id} not found; requests in the logs: {known}",
        # concurrency chart
        "conc.running": "invocations running",
        "conc.environments": "environments created (log streams)",
        "conc.count": "count",
        "conc.title": "Concurrency: at most {peak} at once",
        "conc.empty": "no invocations in these logs",
        "conc.environment": "environment (log stream)",
        "conc.xlabel": "seconds since the first invocation",
        "conc.cold": "{n}: cold start",
        "conc.warm": "{n}: warm",
        "conc.own_axes": "the Gantt rows need their own axes: pass ax=None or gantt=False",
        # caller wait chart
        "wait.ylabel": "seconds the caller waited",
        "wait.title": "How long the caller waited for Invoke to return",
        "wait.value": "{value} s",
        # attempts by way of invoking (notebook 05_event_source_mapping)
        "mode.success": "succeeded",
        "mode.partial": "partial batch failure",
        "mode.error": "function error",
        "mode.throttled": "throttled",
        "mode.system_error": "Lambda system error",
        "mode.xlabel": "seconds since the first attempt (simulated clock)",
        "mode.title": "The same failing function, invoked three ways",
        # course helpers
        "course.outside": (
            "{here} is not inside the lambdalab course repository (no folder above it holds "
            "lambda_functions/ and notebooks/): open the notebooks from the repository, e.g. "
            "with `make lab`"
        ),
    },
    "ja": {
        "status.ok": "成功",
        "status.error": "関数エラー",
        "status.timeout": "タイムアウト",
        "status.running": "実行中",
        "seconds": "{n} 秒",
        "retry.attempt": "{n} 回目の試行 · {offset}",
        "retry.waited": "{wait} 待機",
        "retry.xlabel": "最初の試行からの秒数 (ラボまたは AWS の時計、ログのタイムスタンプによる)",
        "retry.title": "リクエスト {request_id} の試行",
        "retry.title_group": "{log_group}: リクエスト {request_id} の試行",
        "retry.dropped_retries": "✕ 破棄: 再試行の上限に到達\n(MaximumRetryAttempts={retries})",
        "retry.dropped_age": (
            "✕ 破棄: イベントが古すぎる\n(次の再試行 ≥ MaximumEventAgeInSeconds={age})"
        ),
        "retry.not_run": "{offset} の再試行: 実行されない",
        "retry.max_age": "イベントの最大有効期間 {age}",
        "retry.legend_not_run": "実行されない再試行",
        "retry.no_attempts": "描画する試行がありません",
        "retry.no_invocations": "呼び出しが見つかりません (このログに START 行がありません)",
        "retry.unknown_request": (
            "リクエスト {request_id} が見つかりません。ログにあるリクエスト: {known}"
        ),
        "conc.running": "実行中の呼び出し",
        "conc.environments": "作成された実行環境 (ログストリーム)",
        "conc.count": "数",
        "conc.title": "同時実行数: 最大 {peak}",
        "conc.empty": "このログには呼び出しがありません",
        "conc.environment": "実行環境 (ログストリーム)",
        "conc.xlabel": "最初の呼び出しからの秒数",
        "conc.cold": "{n}: コールドスタート",
        "conc.warm": "{n}: ウォーム",
        "conc.own_axes": (
            "ガントチャートの行には専用の Axes が必要です: ax=None か gantt=False を渡してください"
        ),
        "wait.ylabel": "呼び出し元が待った秒数",
        "wait.title": "Invoke が戻るまで呼び出し元が待った時間",
        "wait.value": "{value} 秒",
        # 呼び出し方ごとの試行 (ノートブック 05_event_source_mapping)
        "mode.success": "成功",
        "mode.partial": "バッチの一部が失敗",
        "mode.error": "関数エラー",
        "mode.throttled": "スロットリング",
        "mode.system_error": "Lambda のシステムエラー",
        "mode.xlabel": "各行の最初の試行からの秒数 (シミュレーション時計)",
        "mode.title": "失敗する同じ関数を、3 通りの方法で呼び出す",
        "course.outside": (
            "{here} は lambdalab コースのリポジトリの中にありません (lambda_functions/ と "
            "notebooks/ を含むフォルダーが上にありません)。リポジトリからノートブックを開いて"
            "ください (例: `make lab`)"
        ),
    },
}

_current = "en"


def set_language(lang: str) -> None:
    """Choose the language of every message from now on ("en" or "ja")."""
    global _current
    _current = check_language(lang)


def get_language() -> str:
    return _current


def check_language(lang: str) -> str:
    """``lang`` if it is one of :data:`LANGUAGES`; otherwise a ValueError saying which exist."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: choose one of {', '.join(LANGUAGES)}")
    return lang


def text(key: str, lang: str | None = None, **fields: object) -> str:
    """The message ``key`` in ``lang`` (default: the language set last), with ``fields`` filled."""
    table = MESSAGES[check_language(lang or _current)]
    return table[key].format(**fields)
