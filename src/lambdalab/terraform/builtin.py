"""The built-in engine's command line: ``terraform``-compatible commands without the binary.

``run(["apply", "-auto-approve"], chdir="terraform", ctx_factory=..., out=sys.stdout)`` returns
the exit code terraform would. ``ctx_factory(region, module_dir)`` builds the
:class:`~lambdalab.terraform.resources.base.ApplyContext` (the lab passes one bound to its
endpoint); without it boto3 uses ``AWS_ENDPOINT_URL`` and the moto default account.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

from lambdalab.terraform import render
from lambdalab.terraform.apply import apply_plan
from lambdalab.terraform.config import load_module
from lambdalab.terraform.errors import TerraformError
from lambdalab.terraform.expressions import Scope, evaluate
from lambdalab.terraform.plan import Walker, make_plan, registry
from lambdalab.terraform.resources.base import ApplyContext
from lambdalab.terraform.state import StateStore, cty_type
from lambdalab.terraform.variables import resolve

DEFAULT_ACCOUNT = "123456789012"
COMMANDS = ("init", "validate", "fmt", "plan", "apply", "destroy", "output", "show", "version")
USAGE = "Usage: terraform [-chdir=DIR] <" + "|".join(COMMANDS) + "> [options]\n"


def run(
    args: list[str],
    *,
    chdir: str | Path | None = None,
    ctx_factory: Callable[[str, Path], ApplyContext] | None = None,
    out: TextIO | None = None,
    stdin: TextIO | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """Run one terraform command with the built-in engine; return its exit code."""
    out = out or sys.stdout
    env = os.environ if env is None else env
    args = list(args)
    directory = Path(chdir or ".")
    while args and args[0].startswith("-chdir="):
        directory = directory / args.pop(0).split("=", 1)[1]
    if not args or args[0] not in COMMANDS:
        out.write(USAGE)
        return 1
    command, options = args[0], _options(args[1:])
    try:
        return _COMMANDS[command](
            _Session(directory, options, ctx_factory, out, stdin or sys.stdin, env)
        )
    except TerraformError as exc:
        out.write(exc.render())
        return 1


class _Options:
    def __init__(self) -> None:
        self.flags: set[str] = set()
        self.vars: list[tuple[str, str]] = []
        self.positional: list[str] = []


def _options(args: list[str]) -> _Options:
    opts = _Options()
    it = iter(args)
    for arg in it:
        if arg.startswith("--"):
            arg = arg[1:]
        if arg in ("-var", "-var-file"):
            value = next(it, "")
            opts.vars.append((arg[1:], value))
        elif arg.startswith("-var="):
            opts.vars.append(("var", arg[5:]))
        elif arg.startswith("-var-file="):
            opts.vars.append(("var-file", arg[10:]))
        elif arg.startswith("-"):
            opts.flags.add(arg.split("=", 1)[0] if arg.endswith("=true") else arg)
        else:
            opts.positional.append(arg)
    return opts


class _Session:
    def __init__(self, directory, options, ctx_factory, out, stdin, env):
        self.directory = directory
        self.options = options
        self.ctx_factory = ctx_factory
        self.out = out
        self.stdin = stdin
        self.env = env

    def line(self, text: str = "") -> None:
        self.out.write(text + "\n")

    def walker(self, *, require_vars: bool = True):
        module = load_module(self.directory)
        variables = resolve(module, self.options.vars, self.env, require_all=require_vars)
        region = self._region(module, variables)
        if self.ctx_factory is not None:
            ctx = self.ctx_factory(region, self.directory)
        else:
            ctx = ApplyContext(
                region, DEFAULT_ACCOUNT, self.directory, self.env.get("AWS_ENDPOINT_URL")
            )
        store = StateStore(self.directory)
        state = store.load()
        return Walker(module, state, variables, ctx, self.line), store

    def _region(self, module, variables) -> str:
        provider = module.providers.get("aws")
        region = provider.attribute("region") if provider is not None else None
        if region is not None:
            value = evaluate(region.expr, Scope(variables=variables))
            if isinstance(value, str) and value:
                return value
        return self.env.get("AWS_REGION") or self.env.get("AWS_DEFAULT_REGION") or "us-east-1"

    def approve(self, question: str, explanation: str) -> bool:
        if "-auto-approve" in self.options.flags:
            return True
        self.line(question)
        self.line(explanation)
        self.line("  Only 'yes' will be accepted to approve.")
        self.line()
        self.out.write("  Enter a value: ")
        self.out.flush() if hasattr(self.out, "flush") else None
        answer = self.stdin.readline().strip()
        self.line()
        return answer == "yes"


def _init(s: _Session) -> int:
    load_module(s.directory)
    types, sources = registry()
    s.line()
    s.line("Initializing the backend...")
    s.line()
    s.line("Initializing provider plugins...")
    s.line("- Using lambdalab's built-in Terraform engine: no provider plugins are downloaded.")
    s.line(f"- Resource types: {', '.join(sorted(types)) or '(none)'}")
    s.line(f"- Data sources: {', '.join(sorted(sources)) or '(none)'}")
    s.line()
    s.line("Terraform has been successfully initialized!")
    s.line()
    s.line('You may now begin working with Terraform. Try running "terraform plan" to see')
    s.line("any changes that are required for your infrastructure. All Terraform commands")
    s.line("should now work.")
    return 0


def _validate(s: _Session) -> int:
    walker, _ = s.walker(require_vars=False)
    for block in walker.module.resources.values():
        walker.resource_type(block)
    for block in walker.module.data.values():
        walker.data_source(block)
    s.line("Success! The configuration is valid.")
    s.line()
    return 0


def _fmt(s: _Session) -> int:
    """Not implemented: saying "formatted" without checking would be a check that cannot fail."""
    s.line("Error: terraform fmt is not available in lambdalab's built-in engine.")
    s.line()
    s.line("Formatting needs the real terraform CLI (no providers needed): install terraform")
    s.line('and `lab.terraform("fmt", "-check")` or `lambdalab tf -- fmt -check` will use it.')
    return 1


def _version(s: _Session) -> int:
    from lambdalab.terraform.state import TERRAFORM_VERSION

    s.line(f"Terraform v{TERRAFORM_VERSION} (lambdalab built-in engine)")
    return 0


def _plan(s: _Session) -> int:
    walker, _ = s.walker()
    plan = _make_plan(s, walker, destroy="-destroy" in s.options.flags)
    s.out.write(render.plan_text(plan))
    if not plan.empty:
        s.line()
        s.line(render.RULE)
        s.line()
        s.line("Note: You didn't use the -out option to save this plan, so Terraform can't")
        s.line('guarantee to take exactly these actions if you run "terraform apply" now.')
    return 0


def _make_plan(s: _Session, walker: Walker, *, destroy: bool):
    """The plan; a failure while planning is announced as terraform announces it."""
    try:
        return make_plan(walker, destroy=destroy)
    except TerraformError:
        s.line()
        s.line("Planning failed. Terraform encountered an error while generating this plan.")
        s.line()
        raise


def _apply(s: _Session, *, destroy: bool = False) -> int:
    destroy = destroy or "-destroy" in s.options.flags
    walker, store = s.walker()
    plan = _make_plan(s, walker, destroy=destroy)
    s.out.write(render.plan_text(plan))
    if not plan.empty:
        s.line()
        if destroy:
            ok = s.approve(
                "Do you really want to destroy all resources?",
                "  Terraform will destroy all your managed infrastructure, as shown above.\n"
                "  There is no undo.",
            )
        else:
            ok = s.approve(
                "Do you want to perform these actions?",
                "  Terraform will perform the actions described above.",
            )
        if not ok:
            s.line("Apply cancelled." if not destroy else "Destroy cancelled.")
            return 1
    counts = apply_plan(walker, plan, store)
    s.line()
    if destroy:
        s.line(f"Destroy complete! Resources: {counts.destroyed} destroyed.")
        return 0
    s.line(
        f"Apply complete! Resources: {counts.added} added, {counts.changed} changed, "
        f"{counts.destroyed} destroyed."
    )
    s.out.write(render.outputs_text(walker.state.outputs))
    return 0


def _destroy(s: _Session) -> int:
    return _apply(s, destroy=True)


def _output(s: _Session) -> int:
    state = StateStore(s.directory).load()
    outputs = state.outputs
    name = s.options.positional[0] if s.options.positional else None
    as_json = "-json" in s.options.flags
    if name is not None:
        if name not in outputs:
            raise TerraformError(
                f'Output "{name}" not found',
                "The output variable requested could not be found in the state file. If you "
                "recently added this to your configuration, be sure to run `terraform apply`, "
                "since the state won't be updated with new output variables until that command "
                "is run.",
            )
        value, _ = outputs[name]
        if as_json:
            s.line(json.dumps(value, ensure_ascii=False))
        elif "-raw" in s.options.flags:
            s.out.write(value if isinstance(value, str) else render.scalar(value))
        else:
            s.line(render.output_value(value))
        return 0
    if as_json:
        doc: dict[str, Any] = {
            k: {"sensitive": sens, "type": cty_type(v), "value": v}
            for k, (v, sens) in sorted(outputs.items())
        }
        s.line(json.dumps(doc, indent=2, ensure_ascii=False))
        return 0
    if not outputs:
        s.out.write(
            "╷\n│ Warning: No outputs found\n│\n│ The state file either has no outputs "
            "defined, or all the defined outputs\n│ are empty. Run `terraform apply` to create "
            "them.\n╵\n"
        )
        return 0
    for key in sorted(outputs):
        value, sensitive = outputs[key]
        shown = "<sensitive>" if sensitive else render.output_value(value)
        s.line(f"{key} = {shown}")
    return 0


def _show(s: _Session) -> int:
    state = StateStore(s.directory).load()
    if not state.instances and not state.outputs:
        s.line("No state.")
        return 0
    s.out.write(render.show_text(state))
    return 0


_COMMANDS: dict[str, Callable[[_Session], int]] = {
    "init": _init,
    "validate": _validate,
    "fmt": _fmt,
    "plan": _plan,
    "apply": _apply,
    "destroy": _destroy,
    "output": _output,
    "show": _show,
    "version": _version,
}
