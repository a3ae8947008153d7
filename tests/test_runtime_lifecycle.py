"""Lambda's runtime lifecycle: the dated table, the refusals, and no date bomb in the course.

Every test pins its dates; none reads today's date [AWS_BEHAVIOUR: runtime-lifecycle].
"""

from __future__ import annotations

import inspect
import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from lambdalab import course
from lambdalab import runtime_lifecycle as lifecycle
from lambdalab.awserror import AwsError
from lambdalab.runtime import pythons
from lambdalab.runtime_lifecycle import Phase

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(
    (ROOT / "notebooks" / "ja").glob("*.ipynb")
)
DAY = timedelta(days=1)

# Recorded from AWS on 2026-01-12: LocalStack tests/aws/services/lambda_/
# test_lambda_api.snapshot.json, TestRuntimeValidation::
# test_create_deprecated_function_runtime_with_validation_enabled[python3.7].
RECORDED_PYTHON37_CREATE = (
    "The runtime parameter of python3.7 is no longer supported for creating or updating AWS "
    "Lambda functions. We recommend you use a supported runtime while creating or updating "
    "functions."
)
# Same file, TestLambdaFunction::test_create_lambda_exceptions (recorded 2026-01-12): the enum
# AWS listed for CreateFunction(Runtime="non-existent-runtime"), i.e. the runtimes it accepted
# for a new function that day.
RECORDED_ENUM_2026_01_12 = (
    "nodejs20.x, python3.14, provided.al2023, python3.12, python3.13, nodejs24.x, nodejs22.x, "
    "java25, python3.10, python3.11, java21, ruby3.3, ruby3.4, ruby3.2, python3.8, python3.9, "
    "java17, nodejs16.x, dotnet10, dotnet8, java11, dotnet6, nodejs18.x, provided.al2, java8.al2"
).split(", ")
RECORDED_ON = date(2026, 1, 12)

# The course's runtimes must stay creatable and updatable this long after the table was last
# compared with AWS's page: refreshing the table then forces the course onto a newer runtime
# well before AWS blocks the one it uses (the lab reads the real date, which is never earlier
# than TABLE_AS_OF).
HORIZON = lifecycle.TABLE_AS_OF.replace(year=lifecycle.TABLE_AS_OF.year + 2)


def refusal(runtime: str | None, *, creating: bool, today: date) -> AwsError | None:
    try:
        lifecycle.check(runtime, creating=creating, today=today)
    except AwsError as error:
        return error
    return None


# -- the table ---------------------------------------------------------------------------------


def test_python39_and_python310_have_awss_dates():
    """The rows the course talks about, as AWS's runtime table gives them (checked 2026-07-31)."""
    row = lifecycle.lifecycle("python3.9")
    assert (row.deprecation, row.block_create, row.block_update) == (
        date(2025, 12, 15),
        date(2027, 2, 1),
        date(2027, 3, 3),
    )
    row = lifecycle.lifecycle("python3.10")
    assert (row.deprecation, row.block_create, row.block_update) == (
        date(2026, 10, 31),
        date(2027, 2, 1),
        date(2027, 3, 3),
    )
    row = lifecycle.lifecycle("python3.12")
    assert (row.deprecation, row.block_create, row.block_update) == (
        date(2028, 10, 31),
        date(2028, 11, 30),
        date(2029, 1, 10),
    )


def test_every_row_is_ordered_sourced_and_unique():
    runtimes = [row.runtime for row in lifecycle.TABLE]
    assert len(runtimes) == len(set(runtimes))
    for row in lifecycle.TABLE:
        assert row.deprecation <= row.block_create <= row.block_update, row.runtime
        assert row.source == "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"
        assert re.fullmatch(r"python\d\.\d+", row.runtime)


def test_the_lab_runs_every_python3_runtime_and_the_interpreter_finder_uses_the_same_list():
    assert lifecycle.lab_runtimes() == tuple(f"python3.{m}" for m in range(6, 15))
    assert pythons.LAMBDA_MINORS == lifecycle.python_minors() == tuple(range(6, 15))
    assert not lifecycle.status("python2.7", date(2020, 1, 1)).runs_in_lab


def test_the_table_agrees_with_what_aws_accepted_for_create_on_the_recording_day():
    recorded_python = {r for r in RECORDED_ENUM_2026_01_12 if r.startswith("python")}
    for row in lifecycle.TABLE:
        creatable_on_aws = row.phase(RECORDED_ON) in (Phase.SUPPORTED, Phase.DEPRECATED)
        assert creatable_on_aws == (row.runtime in recorded_python), row.runtime
    assert set(lifecycle.creatable(RECORDED_ON)) == recorded_python


# -- phases and their boundary days ----------------------------------------------------------


@pytest.mark.parametrize("row", lifecycle.TABLE, ids=lambda row: row.runtime)
def test_each_date_takes_effect_on_its_own_day(row):
    if row.deprecation < row.block_create:
        assert row.phase(row.deprecation - DAY) is Phase.SUPPORTED
        assert row.phase(row.deprecation) is Phase.DEPRECATED
        assert row.phase(row.block_create - DAY) is Phase.DEPRECATED
    assert row.phase(row.block_create) is Phase.CREATE_BLOCKED
    assert row.phase(row.block_update - DAY) is Phase.CREATE_BLOCKED
    assert row.phase(row.block_update) is Phase.UPDATE_BLOCKED
    assert row.phase(row.block_update + timedelta(days=3650)) is Phase.UPDATE_BLOCKED


@pytest.mark.parametrize(
    ("today", "phase", "create_refused", "update_refused"),
    [
        (date(2025, 12, 14), Phase.SUPPORTED, False, False),
        (date(2025, 12, 15), Phase.DEPRECATED, False, False),
        (date(2026, 12, 1), Phase.DEPRECATED, False, False),
        (date(2027, 1, 31), Phase.DEPRECATED, False, False),
        (date(2027, 2, 1), Phase.CREATE_BLOCKED, True, False),
        (date(2027, 3, 2), Phase.CREATE_BLOCKED, True, False),
        (date(2027, 3, 3), Phase.UPDATE_BLOCKED, True, True),
        (date(2027, 3, 4), Phase.UPDATE_BLOCKED, True, True),
    ],
)
def test_python39_on_each_boundary_day(today, phase, create_refused, update_refused):
    state = lifecycle.status("python3.9", today)
    assert state.phase is phase
    assert (state.creatable, state.updatable) == (not create_refused, not update_refused)
    expected = lifecycle.NO_LONGER_SUPPORTED.format(runtime="python3.9")
    for creating, refused in ((True, create_refused), (False, update_refused)):
        error = refusal("python3.9", creating=creating, today=today)
        if refused:
            assert error is not None
            assert error.as_tuple() == ("InvalidParameterValueException", expected, 400)
        else:
            assert error is None


def test_a_deprecated_runtime_that_is_not_blocked_is_accepted_silently():
    """AWS's API accepts it (only the console stops offering it); the lab does the same."""
    today = date(2026, 12, 1)
    assert lifecycle.status("python3.10", today).phase is Phase.DEPRECATED
    assert refusal("python3.10", creating=True, today=today) is None
    assert refusal("python3.10", creating=False, today=today) is None
    assert "python3.10" in lifecycle.creatable(today)
    assert "python3.10" not in lifecycle.supported(today)


def test_a_blocked_create_has_awss_recorded_words():
    error = refusal("python3.7", creating=True, today=RECORDED_ON)
    assert error.as_tuple() == ("InvalidParameterValueException", RECORDED_PYTHON37_CREATE, 400)


def test_a_blocked_update_has_the_same_words():
    """AWS's sentence already says "creating or updating"; the lab uses it for both."""
    error = refusal("python3.6", creating=False, today=date(2026, 12, 1))
    assert error.message == lifecycle.NO_LONGER_SUPPORTED.format(runtime="python3.6")
    assert "python3.6 is no longer supported for creating or updating" in error.message


def test_an_update_that_names_no_runtime_is_not_refused_for_it():
    assert refusal(None, creating=False, today=date(2030, 1, 1)) is None
    assert refusal(None, creating=True, today=date(2030, 1, 1)) is None  # limits' concern


# -- what the lab cannot run -----------------------------------------------------------------


def test_another_language_gets_the_labs_explanation_with_the_runtimes_to_use_that_day():
    error = refusal("nodejs22.x", creating=True, today=date(2026, 12, 1))
    assert error.as_tuple() == (
        "InvalidParameterValueException",
        "Value 'nodejs22.x' at 'runtime' is not available in lambdalab, which runs Python "
        "handlers only. Use one of: python3.11, python3.12, python3.13, python3.14.",
        400,
    )
    # python3.11 is deprecated on 2027-06-30: advised the day before, not that day
    before = refusal("java21", creating=False, today=date(2027, 6, 29))
    assert before.message.endswith("Use one of: python3.11, python3.12, python3.13, python3.14.")
    on_the_day = refusal("java21", creating=False, today=date(2027, 6, 30))
    assert on_the_day.message.endswith("Use one of: python3.12, python3.13, python3.14.")


def test_old_python3_runtimes_follow_awss_dates_like_the_others():
    today = date(2026, 12, 1)
    assert refusal("python3.8", creating=True, today=today) is None  # deprecated, not blocked
    assert refusal("python3.7", creating=True, today=today).message == RECORDED_PYTHON37_CREATE
    assert refusal("python3.7", creating=False, today=today) is None  # update blocked 2027-03-03
    assert refusal("python3.7", creating=False, today=date(2027, 3, 3)).message == (
        lifecycle.NO_LONGER_SUPPORTED.format(runtime="python3.7")
    )


def test_a_python_runtime_aws_accepts_but_the_lab_cannot_run_gets_the_labs_explanation():
    """python2.7, on a day before AWS blocked it (the lab has no Python 2 handler client)."""
    error = refusal("python2.7", creating=True, today=date(2020, 1, 1))
    assert error.as_tuple() == (
        "InvalidParameterValueException",
        "Value 'python2.7' at 'runtime' is not available in lambdalab, which runs python3.6 to "
        "python3.14 only (python2.7 was deprecated on AWS on 2021-07-15). Use one of: "
        "python3.6, python3.7, python3.8, python3.9, python3.10, python3.11, python3.12, "
        "python3.13, python3.14.",
        400,
    )
    # since AWS blocked it, AWS's refusal comes first
    assert refusal("python2.7", creating=True, today=date(2026, 12, 1)).message == (
        lifecycle.NO_LONGER_SUPPORTED.format(runtime="python2.7")
    )


@pytest.mark.parametrize("runtime", ["non-existent-runtime", "PYTHON3.9", "python3.15", ""])
def test_an_identifier_that_is_no_runtime_gets_awss_enum_message(runtime):
    error = refusal(runtime, creating=True, today=RECORDED_ON)
    assert error.code == "InvalidParameterValueException"
    assert error.message == (
        f"Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum "
        "value set: [python3.8, python3.9, python3.10, python3.11, python3.12, python3.13, "
        "python3.14] "
        "or be a valid ARN"
    )


def test_every_python_runtime_is_refused_once_every_date_has_passed():
    far = date(2031, 1, 1)
    assert lifecycle.creatable(far) == ()
    error = refusal("nodejs22.x", creating=True, today=far)
    assert error.message.endswith(
        "The lab has no runtime left to offer on 2031-01-01: see "
        "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html."
    )


# -- which today -----------------------------------------------------------------------------


def test_utc_today_is_the_utc_date_of_the_injected_clock():
    pacific_evening = datetime(2027, 1, 31, 17, 30, tzinfo=timezone(timedelta(hours=-8)))
    assert lifecycle.utc_today(lambda: pacific_evening) == date(2027, 2, 1)
    assert lifecycle.utc_today(lambda: datetime(2027, 2, 1, 0, 0, tzinfo=UTC)) == date(2027, 2, 1)


# -- no date bomb in the course --------------------------------------------------------------

_RUNTIME_LITERAL = re.compile(r"\b[Rr]untime\s*=\s*\"([^\"]+)\"")


def _code_cells():
    for path in NOTEBOOKS:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for number, cell in enumerate(notebook["cells"], 1):
            if cell["cell_type"] == "code":
                yield path, number, cell


def _output_text(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        parts.extend(output.get("text", []))
        for value in output.get("data", {}).values():
            parts.extend(value if isinstance(value, list) else [str(value)])
    return "".join(parts)


def test_notebook_runtimes_give_the_same_answer_on_every_day_a_learner_can_run_them():
    """A runtime a notebook deploys stays creatable and updatable until HORIZON; a runtime a
    notebook shows being refused was blocked before the table's date, so it stays refused, and
    the stored output is the lab's refusal word for word."""
    seen = set()
    for path, number, cell in _code_cells():
        source = "".join(cell["source"])
        for runtime in _RUNTIME_LITERAL.findall(source):
            seen.add(runtime)
            where = f"{path.relative_to(ROOT)} cell {number}: {runtime}"
            output = _output_text(cell)
            if "no longer supported" in output:
                row = lifecycle.lifecycle(runtime)
                assert row is not None and row.block_update <= lifecycle.TABLE_AS_OF, where
                assert lifecycle.NO_LONGER_SUPPORTED.format(runtime=runtime) in output, where
            else:
                state = lifecycle.status(runtime, HORIZON)
                assert state.creatable and state.updatable, where
    assert {"python3.12", "python3.6"} <= seen  # the scan found the course's runtimes


def test_the_course_deploys_a_runtime_good_until_the_horizon():
    default = inspect.signature(course.deploy_function).parameters["runtime"].default
    assert default == "python3.12"
    found = set()
    for tf in sorted((ROOT / "terraform").rglob("*.tf")):
        found.update(_RUNTIME_LITERAL.findall(tf.read_text(encoding="utf-8")))
    assert found == {"python3.12"}
    for runtime in {default, *found}:
        state = lifecycle.status(runtime, HORIZON)
        assert state.creatable and state.updatable, runtime


def test_no_stored_output_quotes_a_message_that_changes_with_the_date():
    """The lab's advice ("Use one of: …") and its enum list depend on the day: no notebook may
    store them."""
    dated = ("is not available in lambdalab", "Member must satisfy enum value set: [python")
    for path, number, cell in _code_cells():
        text = _output_text(cell)
        assert not [d for d in dated if d in text], f"{path.relative_to(ROOT)} cell {number}"


def _english(day: date) -> str:
    return f"{day.day} {day:%B} {day.year}"


def _japanese(day: date) -> str:
    return f"{day.year} 年 {day.month} 月 {day.day} 日"


@pytest.mark.parametrize(
    ("notebook", "say"),
    [("notebooks/07_pitfalls.ipynb", _english), ("notebooks/ja/07_pitfalls.ipynb", _japanese)],
)
def test_the_pitfalls_notebook_states_the_tables_dates(notebook, say):
    cells = json.loads((ROOT / notebook).read_text(encoding="utf-8"))["cells"]
    text = " ".join(
        " ".join("".join(c["source"]).split()) for c in cells if c["cell_type"] == "markdown"
    )
    for runtime in ("python3.9", "python3.6"):
        row = lifecycle.lifecycle(runtime)
        dates = [row.block_create, row.block_update]
        if runtime == "python3.9":
            dates.insert(0, row.deprecation)
        for day in dates:
            assert say(day) in text, (runtime, say(day))
    assert "https://docs.aws.amazon.com/" in text and "lambda-runtimes.html" in text
