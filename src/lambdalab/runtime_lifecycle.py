"""Lambda's runtime lifecycle: one dated table, and what CreateFunction and updates do with it.

AWS publishes, per runtime, three dates in its runtime table
(https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html): **deprecation** (no more
security patches; the console stops offering the runtime, the API still accepts it),
**block function create** (``CreateFunction`` refuses it) and **block function update**
(updates refuse it too). Functions that exist keep running after both
[AWS_BEHAVIOUR: runtime-lifecycle].

This module is pure: every answer depends on the runtime and on a ``today`` the caller passes,
never on the machine's clock (:func:`utc_today` is the one place that reads it), so tests and
notebooks pin their dates and no output changes on a future day.

The lab runs Python 3 handlers only (on the Python the runtime names when the machine has one
the lab's boto3 supports, else on the lab's own): a runtime of another language is refused
with the lab's own explanation, and so would be a Python runtime AWS accepts that the lab
cannot run (``python2.7``, which AWS blocked long ago) [AWS_BEHAVIOUR: runtime-supported].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from lambdalab.awserror import AwsError

RUNTIMES_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"
# The day the table below was last compared with AWS's page. The search tool's stored copy of
# that page holds only its opening, without the tables; the dates were read from two scrapes
# of the page made by machines that publish them: tflint-ruleset-aws
# (rules/lambda_deprecated_runtime/deprecated_runtimes.json, "updated_at" 2026-07-31) and
# endoflife.date (products/aws-lambda.md, refreshed 2026-08-16); both agree. AWS's recording
# of 2026-01-12 (LocalStack tests/aws/services/lambda_/test_lambda_api.snapshot.json,
# test_create_lambda_exceptions) lists python3.8 to python3.14 as creatable, as the table says.
TABLE_AS_OF = date(2026, 7, 31)

INVALID = "InvalidParameterValueException"
# Recorded from AWS on 2026-01-12 (LocalStack test_lambda_api.snapshot.json,
# test_create_deprecated_function_runtime_with_validation_enabled[python3.7]): no list of
# runtimes, the same words for a blocked create and a blocked update.
NO_LONGER_SUPPORTED = (
    "The runtime parameter of {runtime} is no longer supported for creating or updating AWS "
    "Lambda functions. We recommend you use a supported runtime while creating or updating "
    "functions."
)
# Recorded from AWS (same file, test_create_lambda_exceptions) for an identifier that is no
# runtime at all ("non-existent-runtime", "PYTHON3.9"); AWS lists every creatable runtime of
# every language, the lab lists the Python ones it accepts for a new function that day.
NOT_AN_ENUM_VALUE = (
    "Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value "
    "set: [{runtimes}] or be a valid ARN"
)
# Lambda runtimes of other languages (identifier prefixes, from the same page).
OTHER_LANGUAGES = ("nodejs", "java", "dotnet", "ruby", "provided", "go1.")


class Phase(StrEnum):
    """Where a runtime stands on a given day."""

    SUPPORTED = "supported"
    DEPRECATED = "deprecated"  # still accepted by the API
    CREATE_BLOCKED = "create-blocked"  # existing functions may still be updated
    UPDATE_BLOCKED = "update-blocked"  # neither created nor updated
    UNAVAILABLE = "unavailable"  # not a runtime the lab has


@dataclass(frozen=True)
class Lifecycle:
    """One row of AWS's table, and whether the lab can run functions that use it."""

    runtime: str
    deprecation: date
    block_create: date
    block_update: date
    lab_runs: bool
    source: str = RUNTIMES_PAGE

    def phase(self, today: date) -> Phase:
        """Each date takes effect on that day (UTC), as the block dates of AWS's lifecycle API do
        (https://docs.aws.amazon.com/lambda/latest/lambda-core/API_RuntimeReleaseLifecycle.html).
        """
        if today >= self.block_update:
            return Phase.UPDATE_BLOCKED
        if today >= self.block_create:
            return Phase.CREATE_BLOCKED
        if today >= self.deprecation:
            return Phase.DEPRECATED
        return Phase.SUPPORTED


def _row(runtime: str, deprecation: str, create: str, update: str, *, lab_runs: bool) -> Lifecycle:
    return Lifecycle(
        runtime,
        date.fromisoformat(deprecation),
        date.fromisoformat(create),
        date.fromisoformat(update),
        lab_runs,
    )


# AWS's table for Lambda's Python runtimes, newest first (dates in the future are AWS's
# projections and may move: compare with the page and update TABLE_AS_OF).
TABLE: tuple[Lifecycle, ...] = (
    _row("python3.14", "2029-06-30", "2029-07-31", "2029-08-31", lab_runs=True),
    _row("python3.13", "2029-06-30", "2029-07-31", "2029-08-31", lab_runs=True),
    _row("python3.12", "2028-10-31", "2028-11-30", "2029-01-10", lab_runs=True),
    _row("python3.11", "2027-06-30", "2027-07-31", "2027-08-31", lab_runs=True),
    _row("python3.10", "2026-10-31", "2027-02-01", "2027-03-03", lab_runs=True),
    _row("python3.9", "2025-12-15", "2027-02-01", "2027-03-03", lab_runs=True),
    _row("python3.8", "2024-10-14", "2027-02-01", "2027-03-03", lab_runs=True),
    _row("python3.7", "2023-12-04", "2024-01-09", "2027-03-03", lab_runs=True),
    _row("python3.6", "2022-07-18", "2022-07-18", "2022-08-29", lab_runs=True),
    _row("python2.7", "2021-07-15", "2021-07-15", "2022-05-30", lab_runs=False),
)
_BY_RUNTIME = {row.runtime: row for row in TABLE}


@dataclass(frozen=True)
class Status:
    """What the lab (and AWS) make of ``runtime`` on ``today``."""

    runtime: str
    today: date
    phase: Phase
    lifecycle: Lifecycle | None  # None when the lab has no such runtime

    @property
    def creatable(self) -> bool:
        return self.runs_in_lab and self.phase in (Phase.SUPPORTED, Phase.DEPRECATED)

    @property
    def updatable(self) -> bool:
        return self.runs_in_lab and self.phase is not Phase.UPDATE_BLOCKED

    @property
    def runs_in_lab(self) -> bool:
        return self.lifecycle is not None and self.lifecycle.lab_runs


def lifecycle(runtime: str) -> Lifecycle | None:
    """The table's row for ``runtime`` (exact identifier, as AWS matches it)."""
    return _BY_RUNTIME.get(runtime)


def status(runtime: str, today: date) -> Status:
    row = lifecycle(runtime)
    phase = row.phase(today) if row is not None else Phase.UNAVAILABLE
    return Status(runtime, today, phase, row)


def lab_runtimes() -> tuple[str, ...]:
    """The Python runtimes the lab can run at all, oldest first."""
    return tuple(row.runtime for row in reversed(TABLE) if row.lab_runs)


def python_minors() -> tuple[int, ...]:
    """``(6, 7, …)``: the minor versions of :func:`lab_runtimes` (for the interpreter finder)."""
    return tuple(int(runtime.split(".")[1]) for runtime in lab_runtimes())


def creatable(today: date) -> tuple[str, ...]:
    """The runtimes the lab accepts in ``CreateFunction`` on ``today``, oldest first."""
    return tuple(r for r in lab_runtimes() if status(r, today).creatable)


def supported(today: date) -> tuple[str, ...]:
    """The runtimes the lab runs that AWS has not deprecated on ``today``: the ones to advise."""
    return tuple(r for r in lab_runtimes() if status(r, today).phase is Phase.SUPPORTED)


def check(runtime: str | None, *, creating: bool, today: date) -> None:
    """Raise the :class:`AwsError` that ``CreateFunction`` (``creating``) or an update naming
    ``runtime`` gets on ``today``; return when the lab accepts it.

    ``None`` (no ``Runtime`` in the request) is not this check's concern: an update that does
    not name a runtime is not refused for the function's runtime (AWS lets you change the
    memory of a function whose runtime is update-blocked), and a create without one is refused
    by :func:`lambdalab.limits.check_configuration`.
    """
    if runtime is None:
        return
    state = status(runtime, today)
    row = state.lifecycle
    if row is None:
        raise _unavailable(runtime, today)
    if state.phase is Phase.UPDATE_BLOCKED or (creating and state.phase is Phase.CREATE_BLOCKED):
        raise AwsError(INVALID, NO_LONGER_SUPPORTED.format(runtime=runtime))
    if not row.lab_runs:
        raise AwsError(
            INVALID,
            f"Value '{runtime}' at 'runtime' is not available in lambdalab, which runs "
            f"{_span(lab_runtimes())} only ({runtime} was deprecated on AWS on "
            f"{row.deprecation.isoformat()}). {_advice(today)}",
        )


def _unavailable(runtime: str, today: date) -> AwsError:
    if runtime.startswith(OTHER_LANGUAGES):
        return AwsError(
            INVALID,
            f"Value '{runtime}' at 'runtime' is not available in lambdalab, which runs Python "
            f"handlers only. {_advice(today)}",
        )
    return AwsError(
        INVALID, NOT_AN_ENUM_VALUE.format(runtime=runtime, runtimes=", ".join(creatable(today)))
    )


def _advice(today: date) -> str:
    choices = supported(today) or creatable(today)
    if not choices:
        return f"The lab has no runtime left to offer on {today.isoformat()}: see {RUNTIMES_PAGE}."
    return f"Use one of: {', '.join(choices)}."


def _span(runtimes: tuple[str, ...]) -> str:
    return f"{runtimes[0]} to {runtimes[-1]}" if len(runtimes) > 1 else runtimes[0]


def utc_today(now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> date:
    """Today's date in UTC: the day the table is read against (``now`` is injectable)."""
    return now().astimezone(UTC).date()
