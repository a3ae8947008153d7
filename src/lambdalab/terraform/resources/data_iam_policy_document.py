"""``data "aws_iam_policy_document"``: statement blocks → policy JSON exactly as the provider
prints it (Version first, ``Sid`` only when set, a single action/resource as a string, sets in
the SDK's hash order, two-space indentation); ``id`` is the CRC32 of that text."""

from __future__ import annotations

import json

from ._common import blocks, hashcode, set_order
from .base import ApplyContext, DataSource, register


@register
class IamPolicyDocument(DataSource):
    type_name = "aws_iam_policy_document"

    def read(self, ctx: ApplyContext, args: dict) -> dict:
        doc: dict = {"Version": args.get("version") or "2012-10-17"}
        if args.get("policy_id"):
            doc["Id"] = args["policy_id"]
        statements, state = [], []
        for st in blocks(args, "statement"):
            statements.append(_statement(st))
            state.append(
                {
                    "actions": sorted(st.get("actions") or []),
                    "condition": [
                        {
                            "test": c["test"],
                            "values": sorted(c.get("values") or []),
                            "variable": c["variable"],
                        }
                        for c in blocks(st, "condition")
                    ],
                    "effect": st.get("effect") or "Allow",
                    "not_actions": sorted(st.get("not_actions") or []),
                    "not_principals": _principal_state(blocks(st, "not_principals")),
                    "not_resources": sorted(st.get("not_resources") or []),
                    "principals": _principal_state(blocks(st, "principals")),
                    "resources": sorted(st.get("resources") or []),
                    "sid": st.get("sid") or "",
                }
            )
        doc["Statement"] = statements
        text = json.dumps(doc, indent=2)
        return {
            "id": hashcode(text),
            "json": text,
            "minified_json": json.dumps(doc, separators=(",", ":")),
            "override_json": None,
            "override_policy_documents": None,
            "policy_id": args.get("policy_id"),
            "source_json": None,
            "source_policy_documents": None,
            "statement": state,
            "version": doc["Version"],
        }


def _one_or_list(values) -> str | list[str]:
    values = set_order(values)
    return values[0] if len(values) == 1 else values


def _statement(st: dict) -> dict:
    out: dict = {}
    if st.get("sid"):
        out["Sid"] = st["sid"]
    out["Effect"] = st.get("effect") or "Allow"
    for key, api in (
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ):
        if st.get(key):
            out[api] = _one_or_list(st[key])
    for key, api in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        ps = blocks(st, key)
        if ps:
            out[api] = _principals(ps)
    conds = blocks(st, "condition")
    if conds:
        cond: dict = {}
        for c in conds:
            cond.setdefault(c["test"], {})[c["variable"]] = _one_or_list(c.get("values") or [])
        out["Condition"] = cond
    return out


def _principals(ps: list[dict]):
    if len(ps) == 1 and ps[0]["type"] == "*" and list(ps[0]["identifiers"]) == ["*"]:
        return "*"
    merged: dict = {}
    for p in ps:
        merged.setdefault(p["type"], []).extend(p.get("identifiers") or [])
    return {t: _one_or_list(ids) for t, ids in merged.items()}


def _principal_state(ps: list[dict]) -> list[dict]:
    return [{"identifiers": sorted(p.get("identifiers") or []), "type": p["type"]} for p in ps]
