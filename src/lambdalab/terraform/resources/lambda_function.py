"""``aws_lambda_function``: id = function name.

A new ``source_code_hash`` (or package file) is an in-place ``UpdateFunctionCode``; any other
setting is one ``UpdateFunctionConfiguration``; ``reserved_concurrent_executions`` is its own
API (-1 = unreserved, 0 = the function never runs).

As the AWS provider does, each step waits until Lambda is done with it: ``Active`` after
CreateFunction, ``LastUpdateStatus: Successful`` after each update (a function accepts one
update at a time; https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html).
"""

from __future__ import annotations

import base64
import hashlib

from botocore.exceptions import ClientError

from ._common import block, missing_ok, not_found, resolve, tags
from .base import ApplyContext, ResourceType, register

_CONFIG_ARGS = (
    "role",
    "handler",
    "runtime",
    "timeout",
    "memory_size",
    "description",
    "environment",
    "dead_letter_config",
    "tracing_config",
    "layers",
    "ephemeral_storage",
)


@register
class LambdaFunction(ResourceType):
    type_name = "aws_lambda_function"
    force_new = frozenset({"function_name", "package_type"})
    computed = frozenset(
        {
            "arn",
            "code_sha256",
            "code_signing_config_arn",
            "dead_letter_config",
            "environment",
            "ephemeral_storage",
            "file_system_config",
            "filename",
            "function_name",
            "handler",
            "id",
            "image_config",
            "image_uri",
            "invoke_arn",
            "kms_key_arn",
            "last_modified",
            "layers",
            "logging_config",
            "qualified_arn",
            "qualified_invoke_arn",
            "replace_security_groups_on_destroy",
            "replacement_security_group_ids",
            "role",
            "runtime",
            "s3_bucket",
            "s3_key",
            "s3_object_version",
            "signing_job_arn",
            "signing_profile_version_arn",
            "skip_destroy",
            "snap_start",
            "source_code_hash",
            "source_code_size",
            "tags",
            "tags_all",
            "timeouts",
            "tracing_config",
            "version",
            "vpc_config",
        }
    )
    defaults = {
        "timeout": 3,
        "memory_size": 128,
        "publish": False,
        "reserved_concurrent_executions": -1,
        "package_type": "Zip",
        "description": "",
        "architectures": ["x86_64"],
    }

    def create(self, ctx: ApplyContext, args: dict) -> dict:
        lam = ctx.client("lambda")
        kwargs = {
            "FunctionName": args["function_name"],
            "Role": args["role"],
            "Code": self._code(ctx, args),
            "Publish": bool(args.get("publish", False)),
            "PackageType": args.get("package_type") or "Zip",
            "Architectures": list(args.get("architectures") or ["x86_64"]),
            **self._config(args),
        }
        t, _ = tags(args)
        if t:
            kwargs["Tags"] = dict(t)
        created = lam.create_function(**kwargs)
        wait(lam, "function_active_v2", args["function_name"])
        if created.get("Version", "$LATEST") != "$LATEST":  # publish = true
            wait(lam, "function_active_v2", f"{args['function_name']}:{created['Version']}")
        if _concurrency(args) >= 0:
            self._concurrency(ctx, args["function_name"], args)
        return self.read(ctx, {**args, "id": args["function_name"]})

    def read(self, ctx: ApplyContext, attrs: dict) -> dict | None:
        lam = ctx.client("lambda")
        try:
            got = lam.get_function(FunctionName=attrs["id"])
        except ClientError as exc:
            if not_found(exc, "ResourceNotFoundException"):
                return None
            raise
        c = got["Configuration"]
        arn = c["FunctionArn"]
        version = "$LATEST"
        if attrs.get("publish"):
            versions = [
                v["Version"]
                for page in lam.get_paginator("list_versions_by_function").paginate(
                    FunctionName=attrs["id"]
                )
                for v in page["Versions"]
                if v["Version"] != "$LATEST"
            ]
            if versions:
                version = max(versions, key=int)
        invoke = f"arn:aws:apigateway:{ctx.region}:lambda:path/2015-03-31/functions"
        env = (c.get("Environment") or {}).get("Variables")
        dlq = (c.get("DeadLetterConfig") or {}).get("TargetArn")
        # GetFunctionConcurrency, not GetFunction's "Concurrency": moto omits a reservation of 0.
        concurrency = lam.get_function_concurrency(FunctionName=attrs["id"]).get(
            "ReservedConcurrentExecutions"
        )
        concurrency = -1 if concurrency is None else concurrency
        t = attrs.get("tags")
        return {
            "architectures": list(c.get("Architectures") or ["x86_64"]),
            "arn": arn,
            "code_sha256": c.get("CodeSha256", ""),
            "code_signing_config_arn": "",
            "dead_letter_config": [{"target_arn": dlq}] if dlq else [],
            "description": c.get("Description", ""),
            "environment": [{"variables": env}] if env else [],
            "ephemeral_storage": [{"size": (c.get("EphemeralStorage") or {}).get("Size", 512)}],
            "file_system_config": [],
            "filename": attrs.get("filename"),
            "function_name": c["FunctionName"],
            "handler": c.get("Handler", ""),
            "id": c["FunctionName"],
            "image_config": [],
            "image_uri": attrs.get("image_uri") or "",
            "invoke_arn": f"{invoke}/{arn}/invocations",
            "kms_key_arn": c.get("KMSKeyArn", ""),
            "last_modified": c.get("LastModified", ""),
            "layers": [x["Arn"] for x in c.get("Layers", [])] or None,
            "logging_config": [],
            "memory_size": c.get("MemorySize", 128),
            "package_type": c.get("PackageType", "Zip"),
            "publish": bool(attrs.get("publish", False)),
            "qualified_arn": f"{arn}:{version}",
            "qualified_invoke_arn": f"{invoke}/{arn}:{version}/invocations",
            "replace_security_groups_on_destroy": None,
            "replacement_security_group_ids": None,
            "reserved_concurrent_executions": concurrency,
            "role": c["Role"],
            "runtime": c.get("Runtime", ""),
            "s3_bucket": attrs.get("s3_bucket"),
            "s3_key": attrs.get("s3_key"),
            "s3_object_version": attrs.get("s3_object_version"),
            "signing_job_arn": "",
            "signing_profile_version_arn": "",
            "skip_destroy": bool(attrs.get("skip_destroy", False)),
            "snap_start": [],
            "source_code_hash": attrs.get("source_code_hash") or c.get("CodeSha256", ""),
            "source_code_size": c.get("CodeSize", 0),
            "tags": t if t else None,
            "tags_all": dict(got.get("Tags") or {}),
            "timeout": c.get("Timeout", 3),
            "timeouts": None,
            "tracing_config": [{"mode": (c.get("TracingConfig") or {}).get("Mode", "PassThrough")}],
            "version": version,
            "vpc_config": [],
        }

    def update(self, ctx: ApplyContext, old: dict, args: dict) -> dict:
        lam = ctx.client("lambda")
        name = old["id"]
        code_changed = any(
            (args.get(k) or None) != (old.get(k) or None)
            for k in ("source_code_hash", "filename", "s3_bucket", "s3_key", "image_uri")
        )
        config_changed = any(_norm(k, args.get(k)) != _norm(k, old.get(k)) for k in _CONFIG_ARGS)
        if config_changed:
            lam.update_function_configuration(FunctionName=name, **self._config(args, old))
            wait(lam, "function_updated_v2", name)
        if code_changed or (args.get("publish") and not old.get("publish")):
            updated = lam.update_function_code(
                FunctionName=name, Publish=bool(args.get("publish")), **self._code(ctx, args)
            )
            wait(lam, "function_updated_v2", name)
            if updated.get("Version", "$LATEST") != "$LATEST":
                wait(lam, "function_active_v2", f"{name}:{updated['Version']}")
        want = _concurrency(args)
        if want != old.get("reserved_concurrent_executions", -1):
            self._concurrency(ctx, name, args)
        return self.read(ctx, {**args, "id": name})

    def delete(self, ctx: ApplyContext, attrs: dict) -> None:
        if attrs.get("skip_destroy"):
            return
        with missing_ok("ResourceNotFoundException"):
            ctx.client("lambda").delete_function(FunctionName=attrs["id"])

    # -- helpers --------------------------------------------------------------------------

    @staticmethod
    def _code(ctx: ApplyContext, args: dict) -> dict:
        if args.get("filename"):
            return {"ZipFile": resolve(ctx.module_dir, args["filename"]).read_bytes()}
        if args.get("s3_bucket"):
            code = {"S3Bucket": args["s3_bucket"], "S3Key": args["s3_key"]}
            if args.get("s3_object_version"):
                code["S3ObjectVersion"] = args["s3_object_version"]
            return code
        if args.get("image_uri"):
            return {"ImageUri": args["image_uri"]}
        raise ValueError('one of "filename", "image_uri" or "s3_bucket" must be specified')

    @staticmethod
    def _config(args: dict, old: dict | None = None) -> dict:
        """Arguments shared by CreateFunction and UpdateFunctionConfiguration."""
        cfg = {
            "Role": args["role"],
            "Timeout": int(args.get("timeout") or 3),
            "MemorySize": int(args.get("memory_size") or 128),
        }
        for key, api in (("handler", "Handler"), ("runtime", "Runtime")):
            if args.get(key):
                cfg[api] = args[key]
        if args.get("description") or (old and old.get("description")):
            cfg["Description"] = args.get("description") or ""
        env = block(args, "environment")
        if env is not None or (old and old.get("environment")):
            cfg["Environment"] = {"Variables": dict((env or {}).get("variables") or {})}
        dlq = block(args, "dead_letter_config")
        if dlq is not None or (old and old.get("dead_letter_config")):
            cfg["DeadLetterConfig"] = {"TargetArn": (dlq or {}).get("target_arn") or ""}
        tracing = block(args, "tracing_config")
        if tracing:
            cfg["TracingConfig"] = {"Mode": tracing.get("mode") or "PassThrough"}
        storage = block(args, "ephemeral_storage")
        if storage:
            cfg["EphemeralStorage"] = {"Size": int(storage.get("size") or 512)}
        if args.get("layers"):
            cfg["Layers"] = list(args["layers"])
        return cfg

    @staticmethod
    def _concurrency(ctx: ApplyContext, name: str, args: dict) -> None:
        lam = ctx.client("lambda")
        want = _concurrency(args)
        if want >= 0:
            lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=want)
        else:
            with missing_ok("ResourceNotFoundException"):
                lam.delete_function_concurrency(FunctionName=name)


# The provider polls Lambda until a create or update is done (for up to its 10 min create
# timeout); so does the built-in engine, every POLL_SECONDS rather than the SDK waiter's 1 s.
POLL_SECONDS = 0.1
WAIT_SECONDS = 600


def wait(lam, waiter: str, function_name: str) -> None:
    """Wait with boto3's ``waiter`` (its acceptors) until the function is ready."""
    lam.get_waiter(waiter).wait(
        FunctionName=function_name,
        WaiterConfig={"Delay": POLL_SECONDS, "MaxAttempts": int(WAIT_SECONDS / POLL_SECONDS)},
    )


def _concurrency(args: dict) -> int:
    value = args.get("reserved_concurrent_executions")
    return -1 if value is None else int(value)


def _norm(key: str, value):
    """Compare configuration values the way they reach the API (blocks, defaults)."""
    if key in ("environment", "dead_letter_config", "tracing_config", "ephemeral_storage"):
        if isinstance(value, dict):
            value = [value]
        return [
            {k: v for k, v in (b or {}).items() if not k.startswith("__")} for b in value or []
        ] or None
    if key == "timeout":
        return int(value or 3)
    if key == "memory_size":
        return int(value or 128)
    return value or None


def base64sha256(data: bytes) -> str:
    """``filebase64sha256``: what ``source_code_hash`` and Lambda's ``CodeSha256`` hold."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()
