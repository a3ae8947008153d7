"""Issue 10 item 6: no request leaves the machine, whatever the learner's shell holds.

Every variable that could steer boto3, the AWS CLI, a handler or terraform away from the lab is
set to a hostile value pointing at a decoy server (or at real AWS), then the learner's usual
steps run. A socket guard (tests/security/socket_guard) refuses and records any connection or
name lookup outside the loopback range; the decoy records any request that reaches it.
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from lambdalab import awsenv

ROOT = Path(__file__).resolve().parents[2]
GUARD = Path(__file__).with_name("socket_guard")


class Decoy(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def _any(self) -> None:
        Decoy.hits.append(f"{self.command} {self.path} {self.headers.get('Host')}")
        self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = do_CONNECT = _any

    def log_message(self, *args) -> None:
        pass


def hostile_values(decoy: str, tmp: Path) -> dict[str, str]:
    """A hostile value for every variable ``awsenv`` knows, and a few it must cover by prefix."""
    values = {name: "hostile" for name in awsenv.REDIRECTING}
    values.update(
        {
            "AWS_PROFILE": "real-account",
            "AWS_DEFAULT_PROFILE": "real-account",
            "AWS_SESSION_TOKEN": "stolen-token",
            "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",  # would send boto3 to amazonaws.com
            "AWS_USE_FIPS_ENDPOINT": "true",
            "AWS_USE_DUALSTACK_ENDPOINT": "true",
            "AWS_CA_BUNDLE": str(tmp / "no-such-bundle.pem"),
            "AWS_DATA_PATH": str(tmp),
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": decoy + "/creds",
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": decoy,
            "AWS_WEB_IDENTITY_TOKEN_FILE": str(tmp / "token"),
            "AWS_ROLE_ARN": "arn:aws:iam::999999999999:role/real",
            "AWS_STS_REGIONAL_ENDPOINTS": "regional",
            "AWS_ACCOUNT_ID": "999999999999",
            "AWS_CONFIG_FILE": str(tmp / "hostile-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "hostile-credentials"),
            "HTTP_PROXY": decoy,
            "HTTPS_PROXY": decoy,
            "http_proxy": decoy,
            "https_proxy": decoy,
        }
    )
    for service in ("S3", "LAMBDA", "IAM", "STS", "SQS", "SNS", "CLOUDWATCH_LOGS", "EVENTBRIDGE"):
        values[f"AWS_ENDPOINT_URL_{service}"] = decoy
    (tmp / "hostile-config").write_text(
        f"[profile real-account]\nendpoint_url = {decoy}\nregion = us-east-1\n"
        f"credential_process = /bin/false\n[default]\nendpoint_url = {decoy}\n"
    )
    (tmp / "hostile-credentials").write_text(
        "[real-account]\naws_access_key_id = AKIAREALKEY000000000\naws_secret_access_key = real\n"
    )
    return values


def test_hostile_variables_send_nothing_off_the_machine(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.3", 0), Decoy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    decoy = f"http://127.0.0.3:{server.server_address[1]}"
    guard_log = tmp_path / "guard.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(hostile_values(decoy, tmp_path))
    env.update(
        PYTHONPATH=os.pathsep.join([str(GUARD), str(ROOT)]),
        LAMBDALAB_SOCKET_GUARD_LOG=str(guard_log),
        HOSTILE_DECOY=decoy,
    )
    try:
        proc = subprocess.run(
            [sys.executable, str(Path(__file__).with_name("hostile_env_scenario.py"))],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=400,
        )
    finally:
        server.shutdown()
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.split("REPORT ", 1)[1])
    assert not guard_log.exists(), guard_log.read_text()
    assert Decoy.hits == []
    assert report["identity"].endswith(":user/lambdalab-learner")  # the lab's key, not a profile
    assert report["handler"] == {"copied": True, "leaked": []}
    assert report["keys"] == ["copied.txt", "sample.txt"]
    assert report["cli"]["rc"] == 0 and "sample.txt" in report["cli"]["out"], report["cli"]
    if report["terraform_usable"] is True:
        assert report["terraform"] == {"rc": 0, "created": True}
