"""The environment variables an execution environment starts with (pure).

Built from scratch, not copied from the lab's process: the learner's own ``AWS_*`` settings
(admin credentials, profile, region) must never reach the handler, which runs with the
function role's credentials as on AWS.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from lambdalab import awsenv
from lambdalab.model import FunctionSpec

# Only what a process needs to start on the host; nothing that configures AWS SDKs.
_HOST_VARS = ("PATH", "SYSTEMROOT", "WINDIR", "COMSPEC", "TEMP", "TMP", "TMPDIR", "LD_LIBRARY_PATH")


def execution_env(runtime: str) -> str:
    return f"AWS_Lambda_{runtime}"


def build(
    spec: FunctionSpec,
    *,
    code_dir: str,
    runtime_dir: str,
    runtime_api: str,
    log_stream: str,
    credentials: Mapping[str, str],
    endpoint_url: str,
    host_env: Mapping[str, str],
) -> dict[str, str]:
    env = {k: host_env[k] for k in _HOST_VARS if k in host_env}
    # The function's own variables, less any that would send the handler's SDK calls away
    # from the lab (a per-service endpoint, a profile, a CA bundle: ``awsenv``).
    env.update(awsenv.scrubbed(spec.environment))
    # Reserved variables win over the function's own, as on AWS.
    env.update(
        {
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "_HANDLER": spec.handler,
            "AWS_EXECUTION_ENV": execution_env(spec.runtime),
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
            "AWS_LAMBDA_LOG_FORMAT": spec.log_format,
            "AWS_LAMBDA_RUNTIME_API": runtime_api,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            "LAMBDA_TASK_ROOT": code_dir,
            "LAMBDA_RUNTIME_DIR": runtime_dir,
            "AWS_ENDPOINT_URL": endpoint_url,
            # Lambda has no shared config or credentials files; the host's ~/.aws must not count.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }
    )
    keys = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    env.update({k: credentials[k] for k in keys if credentials.get(k)})
    return env
