"""Resources and data sources that run locally: random_*, archive_file, policy documents."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile

from tfres_helpers import data, handler, provider_state

from lambdalab.terraform.resources import random_id


def test_random_id_encodings():
    attrs = random_id.attributes(bytes([0xFB, 0xFF, 0x01]), {"prefix": "p-"})
    assert attrs["hex"] == "p-fbff01"
    assert attrs["dec"] == "p-" + str(0xFBFF01)
    assert attrs["b64_std"] == "p-+/8B" and attrs["b64_url"] == "p--_8B"
    assert attrs["id"] == "-_8B"  # no prefix, unpadded URL-safe


def test_random_id_create_is_random(ctx):
    h = handler("random_id")
    a, b = h.create(ctx, {"byte_length": 4}), h.create(ctx, {"byte_length": 4})
    assert len(a["hex"]) == 8 and a["hex"] != b["hex"]
    assert "byte_length" in h.force_new and "keepers" in h.force_new


def test_random_string_classes(ctx):
    h = handler("random_string")
    s = h.create(ctx, {"length": 40, "special": False, "upper": False})
    assert s["id"] == s["result"] and len(s["result"]) == 40
    assert s["result"].isalnum() and s["result"] == s["result"].lower()
    m = h.create(ctx, {"length": 6, "min_special": 6, "override_special": "#"})
    assert m["result"] == "######"


def test_archive_file_is_reproducible(ctx):
    src = ctx.module_dir / "src"
    (src / "pkg").mkdir(parents=True)
    (src / "lambda_function.py").write_text("x = 1\n")
    (src / "pkg" / "util.py").write_text("y = 2\n")
    (src / "notes.md").write_text("skip me")
    args = {
        "type": "zip",
        "source_dir": "./src",
        "output_path": "./out/fn.zip",
        "excludes": ["notes.md"],
    }
    a = data("archive_file").read(ctx, args)
    raw = (ctx.module_dir / "out" / "fn.zip").read_bytes()
    assert a["output_base64sha256"] == base64.b64encode(hashlib.sha256(raw).digest()).decode()
    assert a["id"] == a["output_sha"] == hashlib.sha1(raw).hexdigest()
    assert a["output_size"] == len(raw) and a["output_md5"] == hashlib.md5(raw).hexdigest()
    with zipfile.ZipFile(ctx.module_dir / "out" / "fn.zip") as zf:
        assert zf.namelist() == ["lambda_function.py", "pkg/util.py"]
        assert {i.date_time for i in zf.infolist()} == {(2049, 1, 1, 0, 0, 0)}
    (src / "lambda_function.py").touch()  # a new mtime must not change the hash
    assert data("archive_file").read(ctx, args)["output_base64sha256"] == a["output_base64sha256"]


def test_archive_file_source_blocks(ctx):
    a = data("archive_file").read(
        ctx,
        {
            "type": "zip",
            "output_path": "b.zip",
            "source": [{"content": "b", "filename": "b.py"}, {"content": "a", "filename": "a.py"}],
        },
    )
    with zipfile.ZipFile(ctx.module_dir / "b.zip") as zf:
        assert zf.namelist() == ["a.py", "b.py"] and zf.read("a.py") == b"a"
    assert a["output_size"] > 0


def test_policy_document_matches_provider_text(ctx):
    """Same input as the recorded real-provider apply; the JSON must be byte-identical."""
    recorded = provider_state()["data.aws_iam_policy_document"]  # last one recorded: "multi"
    doc = data("aws_iam_policy_document").read(
        ctx,
        {
            "statement": [
                {
                    "sid": "Two",
                    "effect": "Allow",
                    "actions": ["s3:GetObject", "s3:PutObject"],
                    "resources": ["arn:aws:s3:::shape-bucket/*"],
                    "condition": [
                        {
                            "test": "StringEquals",
                            "variable": "aws:SourceAccount",
                            "values": ["123456789012"],
                        }
                    ],
                },
                {
                    "actions": ["sqs:SendMessage"],
                    "resources": ["arn:aws:sqs:ap-northeast-1:123456789012:shape-q"],
                },
            ]
        },
    )
    assert doc["json"] == recorded["json"]
    assert doc["id"] == recorded["id"] and doc["minified_json"] == recorded["minified_json"]
    assert doc["statement"] == recorded["statement"]


def test_policy_document_principals(ctx):
    doc = data("aws_iam_policy_document").read(
        ctx,
        {
            "statement": [
                {
                    "actions": ["sts:AssumeRole"],
                    "principals": [{"type": "Service", "identifiers": ["lambda.amazonaws.com"]}],
                }
            ]
        },
    )
    st = json.loads(doc["json"])["Statement"][0]
    assert st == {
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Principal": {"Service": "lambda.amazonaws.com"},
    }


def test_caller_identity_and_region(ctx):
    me = data("aws_caller_identity").read(ctx, {})
    assert me["account_id"] == me["id"] == "123456789012"
    r = data("aws_region").read(ctx, {})
    assert r["name"] == r["id"] == "ap-northeast-1"
    assert r["description"] == "Asia Pacific (Tokyo)"
