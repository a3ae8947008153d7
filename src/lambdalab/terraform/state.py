"""Terraform state v4 (``terraform.tfstate``): read, and write after every resource operation."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambdalab.terraform.functions import type_name

STATE_FILE = "terraform.tfstate"
BACKUP_FILE = "terraform.tfstate.backup"
#: written as the state's terraform_version; old enough that any terraform >= 1.5 reads the file
TERRAFORM_VERSION = "1.5.0"


def provider_address(type_name_: str) -> str:
    prefix = type_name_.split("_", 1)[0]
    return f'provider["registry.terraform.io/hashicorp/{prefix}"]'


def instance_address(mode: str, type_: str, name: str, key: Any = None) -> str:
    base = f"{type_}.{name}" if mode == "managed" else f"data.{type_}.{name}"
    if key is None:
        return base
    return f"{base}[{key}]" if isinstance(key, int) else f"{base}[{json.dumps(key)}]"


@dataclass
class Instance:
    """One resource instance in state."""

    mode: str  # "managed" | "data"
    type: str
    name: str
    key: Any  # None, int (count) or str (for_each)
    attributes: dict[str, Any]
    dependencies: list[str] = field(default_factory=list)
    schema_version: int = 0

    @property
    def address(self) -> str:
        return instance_address(self.mode, self.type, self.name, self.key)

    @property
    def resource_address(self) -> str:
        return instance_address(self.mode, self.type, self.name)


@dataclass
class State:
    lineage: str = field(default_factory=lambda: str(uuid.uuid4()))
    serial: int = 0
    instances: dict[str, Instance] = field(default_factory=dict)
    outputs: dict[str, tuple[Any, bool]] = field(default_factory=dict)  # name -> (value, sensitive)

    def managed(self) -> list[Instance]:
        return [i for i in self.instances.values() if i.mode == "managed"]

    def to_json(self) -> dict[str, Any]:
        groups: dict[tuple[str, str, str], list[Instance]] = {}
        for inst in self.instances.values():
            groups.setdefault((inst.mode, inst.type, inst.name), []).append(inst)
        resources = []
        for (mode, type_, name), insts in sorted(groups.items()):
            entry: dict[str, Any] = {"mode": mode, "type": type_, "name": name}
            keys = [i.key for i in insts]
            if any(isinstance(k, int) for k in keys):
                entry["each"] = "list"
            elif any(isinstance(k, str) for k in keys):
                entry["each"] = "map"
            entry["provider"] = provider_address(type_)
            entry["instances"] = [
                _instance_json(i)
                for i in sorted(insts, key=lambda i: (str(type(i.key)), i.key or 0))
            ]
            resources.append(entry)
        outputs = {}
        for name, (value, sensitive) in sorted(self.outputs.items()):
            out: dict[str, Any] = {"value": value, "type": cty_type(value)}
            if sensitive:
                out["sensitive"] = True
            outputs[name] = out
        return {
            "version": 4,
            "terraform_version": TERRAFORM_VERSION,
            "serial": self.serial,
            "lineage": self.lineage,
            "outputs": outputs,
            "resources": resources,
            "check_results": None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> State:
        state = cls(lineage=data.get("lineage") or str(uuid.uuid4()), serial=data.get("serial", 0))
        for res in data.get("resources", []):
            if res.get("module"):
                continue
            for raw in res.get("instances", []):
                inst = Instance(
                    res["mode"],
                    res["type"],
                    res["name"],
                    raw.get("index_key"),
                    raw.get("attributes") or {},
                    list(raw.get("dependencies", [])),
                    raw.get("schema_version", 0),
                )
                state.instances[inst.address] = inst
        for name, out in data.get("outputs", {}).items():
            state.outputs[name] = (out.get("value"), bool(out.get("sensitive")))
        return state


def _instance_json(inst: Instance) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if inst.key is not None:
        out["index_key"] = inst.key
    out["schema_version"] = inst.schema_version
    out["attributes"] = inst.attributes
    out["sensitive_attributes"] = []
    if inst.mode == "managed":
        out["identity_schema_version"] = 0
        if inst.dependencies:
            out["dependencies"] = sorted(inst.dependencies)
    return out


def cty_type(value: Any) -> Any:
    """The cty JSON type terraform records for an output value."""
    kind = type_name(value)
    if kind == "tuple":
        return ["tuple", [cty_type(v) for v in value]]
    if kind == "object":
        return ["object", {k: cty_type(v) for k, v in value.items()}]
    return "dynamic" if kind == "null" else kind


class StateStore:
    """``terraform.tfstate`` in the configuration directory, with a ``.backup`` of the last."""

    def __init__(self, directory: str | Path):
        self.path = Path(directory) / STATE_FILE
        self.backup = Path(directory) / BACKUP_FILE
        self._last: dict[str, Any] | None = None

    def load(self) -> State:
        if not self.path.exists():
            self._last = None
            return State()
        data = json.loads(self.path.read_text(encoding="utf-8"))
        self._last = data
        return State.from_json(data)

    def save(self, state: State) -> None:
        """Write the state if it changed, bumping ``serial``; keep the previous file as backup."""
        data = state.to_json()
        if self._last is not None:
            comparable = {**self._last, "serial": data["serial"]}
            if comparable == data:
                return
        if self._last is not None or self.path.exists():
            state.serial += 1
            data["serial"] = state.serial
        else:
            state.serial = max(state.serial, 1)
            data["serial"] = state.serial
        if self.path.exists():
            self.backup.write_text(self.path.read_text(encoding="utf-8"), encoding="utf-8")
        tmp = self.path.with_suffix(".tfstate.tmp")
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.replace(self.path)
        self._last = data
