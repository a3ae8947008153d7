"""Regenerate ``src/lambdalab/terraform/aws_schema.json`` from the aws provider's own schema.

The built-in Terraform engine validates arguments (required, optional, types, nested block
counts) against what the real provider declares. This script asks the provider itself:

    PYTHONPATH=src python tools/terraform_schema.py            # writes the JSON
    PYTHONPATH=src python tools/terraform_schema.py --check    # exit 1 if it is out of date

It needs terraform on PATH and hashicorp/aws (pinned below) installable from a filesystem mirror
or the registry; it keeps only the aws resource types and data sources the engine implements
(``lambdalab.terraform.resources``), and of each only what validation reads.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from lambdalab.terraform import real
from lambdalab.terraform.resources import DATA_SOURCES, RESOURCE_TYPES

PROVIDER = "registry.terraform.io/hashicorp/aws"
VERSION = "5.100.0"
TARGET = Path(__file__).resolve().parents[1] / "src/lambdalab/terraform/aws_schema.json"
ATTRIBUTE_KEYS = ("type", "required", "optional", "computed")
BLOCK_KEYS = ("nesting_mode", "min_items", "max_items")


def provider_schema() -> dict:
    """``terraform providers schema -json`` of hashicorp/aws VERSION, in a scratch directory."""
    if shutil.which("terraform") is None:
        sys.exit("terraform is not on PATH")
    with tempfile.TemporaryDirectory(prefix="lambdalab-schema-") as tmp:
        (Path(tmp) / "main.tf").write_text(
            "terraform {\n  required_providers {\n"
            f'    aws = {{ source = "hashicorp/aws", version = "{VERSION}" }}\n  }}\n}}\n'
        )
        env = real.child_env(tmp)
        for args in (["init", "-input=false", "-no-color"], ["providers", "schema", "-json"]):
            proc = subprocess.run(
                ["terraform", f"-chdir={tmp}", *args],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                sys.exit(f"terraform {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
        return json.loads(proc.stdout)["provider_schemas"][PROVIDER]


def trim_block(block: dict) -> dict:
    """Attributes and nested blocks with only the keys validation uses."""
    out: dict = {}
    attributes = {
        name: {k: a[k] for k in ATTRIBUTE_KEYS if k in a}
        for name, a in sorted(block.get("attributes", {}).items())
    }
    if attributes:
        out["attributes"] = attributes
    nested = {
        name: {k: b[k] for k in BLOCK_KEYS if k in b} | {"block": trim_block(b["block"])}
        for name, b in sorted(block.get("block_types", {}).items())
    }
    if nested:
        out["block_types"] = nested
    return out


def trimmed(schema: dict) -> dict:
    def pick(kind: str, names) -> dict:
        available = schema[kind]
        wanted = sorted(n for n in names if n.startswith("aws_"))
        missing = [n for n in wanted if n not in available]
        if missing:
            sys.exit(f"hashicorp/aws {VERSION} has no {kind} for {', '.join(missing)}")
        return {n: trim_block(available[n]["block"]) for n in wanted}

    return {
        "provider": PROVIDER,
        "version": VERSION,
        "generated_by": "tools/terraform_schema.py (do not edit by hand)",
        "resource_schemas": pick("resource_schemas", RESOURCE_TYPES),
        "data_source_schemas": pick("data_source_schemas", DATA_SOURCES),
    }


def main(argv: list[str]) -> int:
    text = json.dumps(trimmed(provider_schema()), indent=1, sort_keys=True) + "\n"
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is out of date: run python tools/terraform_schema.py")
            return 1
        print(f"{TARGET} is up to date")
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
