"""Environment variables that could steer an AWS SDK, the CLI or terraform away from the lab.

The lab points every tool at itself with ``AWS_ENDPOINT_URL`` and its own keys. Any of these,
left over in a learner's shell, would send a request (and a signature) to real AWS or to
another host, or make a tool use real credentials: a per-service endpoint wins over the global
one, a profile or a credential provider brings real keys, a CA bundle or FIPS/dual-stack
switch rewrites endpoints, a proxy carries loopback traffic off the machine. The lab removes
them from its own process, from every execution environment and from terraform's.

Sources: https://docs.aws.amazon.com/sdkref/latest/guide/settings-reference.html (the SDKs'
shared settings) and https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
(service-specific endpoints).
"""

from __future__ import annotations

from collections.abc import Mapping

# Exact names. Prefixes below cover the service-specific endpoint variables.
REDIRECTING = frozenset(
    {
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
        "AWS_ROLE_ARN",
        "AWS_ROLE_SESSION_NAME",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "AWS_USE_FIPS_ENDPOINT",
        "AWS_USE_DUALSTACK_ENDPOINT",
        "AWS_CA_BUNDLE",
        "AWS_DATA_PATH",
        "AWS_STS_REGIONAL_ENDPOINTS",
        "AWS_S3_US_EAST_1_REGIONAL_ENDPOINT",
        "AWS_SDK_LOAD_CONFIG",
        "AWS_ACCOUNT_ID",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE",
    }
)
REDIRECTING_PREFIXES = ("AWS_ENDPOINT_URL_",)
LOOPBACK_NO_PROXY = ("127.0.0.1", "localhost")


def is_redirecting(name: str) -> bool:
    return name.upper() in REDIRECTING or name.upper().startswith(REDIRECTING_PREFIXES)


def scrubbed(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` without any variable that could redirect or re-credential an AWS tool."""
    return {k: v for k, v in env.items() if not is_redirecting(k)}


def no_proxy(env: Mapping[str, str]) -> str:
    """``NO_PROXY`` extended with the loopback names, so no proxy ever carries lab traffic."""
    current = env.get("NO_PROXY") or env.get("no_proxy") or ""
    hosts = [h for h in current.split(",") if h.strip()]
    hosts += [h for h in LOOPBACK_NO_PROXY if h not in hosts]
    return ",".join(hosts)
