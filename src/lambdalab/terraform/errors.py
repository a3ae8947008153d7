"""Errors a learner can act on, printed the way terraform prints its diagnostics."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Location:
    """Where in the configuration a problem is: file, 1-based line, and the enclosing block."""

    filename: str
    line: int
    block: str = ""  # 'resource "aws_s3_bucket" "b"'
    source_line: str = ""
    column: int | None = None
    address: str = ""  # "with aws_x.y," for errors raised while applying one resource


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
            lines.append("")
        if self.detail:
            lines.extend(self.detail.splitlines())
        while lines and lines[-1] == "":
            lines.pop()
        body = ["╷"] + [("│ " + ln).rstrip() if ln else "│" for ln in lines] + ["╵"]
        return "\n".join(body) + "\n"


class EvalError(TerraformError):
    """An expression failed; ``subject`` is the reference text used to find its line."""

    def __init__(self, summary: str, detail: str = "", *, subject: str | None = None):
        super().__init__(summary, detail)
        self.subject = subject
