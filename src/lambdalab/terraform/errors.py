"""Errors a learner can act on, printed the way terraform prints its diagnostics."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

#: Terraform wraps a diagnostic's detail to its output width (78 when not a terminal) less the
#: "│ " rule and one column.
DETAIL_WIDTH = 75


@dataclass
class Location:
    """Where in the configuration a problem is: file, 1-based line, and the enclosing block."""

    filename: str
    line: int
    block: str = ""  # 'resource "aws_s3_bucket" "b"'
    source_line: str = ""
    column: int | None = None
    address: str = ""  # "with aws_x.y," for errors raised while applying one resource
    #: terraform's "├──── │ var.t is "abc"" lines: the values the failing expression referred to
    values: list[str] = field(default_factory=list)


class TerraformError(Exception):
    """A diagnostic: summary line, optional location and detail text."""

    def __init__(self, summary: str, detail: str = "", location: Location | None = None):
        super().__init__(summary if not detail else f"{summary}: {detail}")
        self.summary = summary
        self.detail = detail
        self.location = location

    def render(self) -> str:
        """Terraform's boxed diagnostic ("╷ │ Error: … ╵")."""
        lines = [f"Error: {self.summary}", ""]
        loc = self.location
        if loc is not None and loc.address:
            lines.append(f"  with {loc.address},")
        if loc is not None and loc.filename:
            where = f"  on {loc.filename} line {loc.line}"
            where += f", in {loc.block}:" if loc.block else ":"
            lines.append(where)
            if loc.source_line:
                lines.append(f"{loc.line:4d}: {loc.source_line.rstrip()}")
            if loc.values:
                lines.append("    ├" + "─" * 16)
                lines.extend(f"    │ {v}" for v in loc.values)
            lines.append("")
        for line in self.detail.splitlines():
            if line.startswith(" ") or len(line) <= DETAIL_WIDTH:
                lines.append(line)
            else:
                lines.extend(
                    textwrap.wrap(
                        line, DETAIL_WIDTH, break_long_words=False, break_on_hyphens=False
                    )
                )
        while lines and lines[-1] == "":
            lines.pop()
        body = ["╷"] + [("│ " + ln).rstrip() if ln else "│" for ln in lines] + ["╵"]
        return "\n".join(body) + "\n"


class Diagnostics(TerraformError):
    """Several diagnostics reported together, in source order, as terraform reports them."""

    def __init__(self, errors: list[TerraformError]):
        def order(e: TerraformError) -> tuple:
            loc = e.location
            return (loc.filename, loc.line) if loc is not None else ("", 0)

        self.errors = sorted(errors, key=order)
        first = self.errors[0]
        super().__init__(first.summary, first.detail, first.location)

    def render(self) -> str:
        return "".join(TerraformError.render(e) for e in self.errors)


class EvalError(TerraformError):
    """An expression failed; ``subject`` is the reference text used to find its line."""

    def __init__(self, summary: str, detail: str = "", *, subject: str | None = None):
        super().__init__(summary, detail)
        self.subject = subject
