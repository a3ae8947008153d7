"""plan / apply / destroy of the built-in engine against a fake in-memory cloud."""

import json
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"

MAIN = """
provider "aws" {
  region = "ap-northeast-1"
}

variable "prefix" {
  type    = string
  default = "demo"
}

locals {
  name = "${var.prefix}-bucket"
}

# an execution role, as in the article
resource "fake_role" "r" {
  name = "lambda_execution_role"
  assume_role_policy = jsonencode({
    Version = "2012-10-17",
    Statement = [{
      Action    = "sts:AssumeRole",
      Effect    = "Allow",
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
}

resource "fake_bucket" "b" {
  bucket     = local.name
  tags       = { Role = fake_role.r.arn }
  depends_on = [fake_role.r]
}

output "arn" {
  value = fake_bucket.b.arn
}

output "events" {
  value = ["s3:ObjectCreated:*"]
}
"""


def test_plan_text_matches_golden(tf):
    tf.write("main.tf", MAIN)
    code, text = tf("plan")
    assert code == 0
    assert text == (FIXTURES / "plan_create.txt").read_text()


def test_apply_then_no_changes_then_destroy(tf, fake_registry):
    tf.write("main.tf", MAIN)
    code, text = tf("apply", "-auto-approve")
    assert code == 0, text
    assert "fake_role.r: Creating...\nfake_role.r: Creation complete after 0s" in text
    assert "[id=lambda_execution_role]" in text
    assert text.index("fake_role.r: Creating") < text.index("fake_bucket.b: Creating")
    assert "Apply complete! Resources: 2 added, 0 changed, 0 destroyed." in text
    assert (
        'Outputs:\n\narn = "arn:aws:s3:::demo-bucket"\nevents = [\n  "s3:ObjectCreated:*",\n]'
        in text
    )

    code, text = tf("plan")
    assert "No changes. Your infrastructure matches the configuration." in text
    assert "fake_bucket.b: Refreshing state... [id=demo-bucket]" in text

    code, text = tf("output", "-raw", "arn")
    assert text == "arn:aws:s3:::demo-bucket"

    code, text = tf("destroy", "-auto-approve")
    assert code == 0
    assert text.index("fake_bucket.b: Destroying") < text.index("fake_role.r: Destroying")
    assert text.rstrip().endswith("Destroy complete! Resources: 2 destroyed.")
    assert fake_registry.objects == {}


def test_state_file_is_v4(tf):
    tf.write("main.tf", MAIN)
    tf("apply", "-auto-approve")
    state = json.loads((tf.dir / "terraform.tfstate").read_text())
    assert state["version"] == 4
    assert state["check_results"] is None
    assert len(state["lineage"]) == 36
    assert state["outputs"]["arn"] == {"value": "arn:aws:s3:::demo-bucket", "type": "string"}
    assert [(r["mode"], r["type"], r["name"]) for r in state["resources"]] == [
        ("managed", "fake_bucket", "b"),
        ("managed", "fake_role", "r"),
    ]
    bucket = state["resources"][0]
    assert bucket["provider"] == 'provider["registry.terraform.io/hashicorp/fake"]'
    inst = bucket["instances"][0]
    assert inst["schema_version"] == 0
    assert inst["sensitive_attributes"] == []
    assert inst["dependencies"] == ["fake_role.r"]
    assert inst["attributes"]["tags"] == {
        "Role": "arn:aws:iam::123456789012:role/lambda_execution_role"
    }
    serial, lineage = state["serial"], state["lineage"]
    tf("apply", "-auto-approve")  # nothing changes: serial stays
    again = json.loads((tf.dir / "terraform.tfstate").read_text())
    assert (again["serial"], again["lineage"]) == (serial, lineage)
    tf.write("main.tf", MAIN.replace('default = "demo"', 'default = "other"'))
    tf("apply", "-auto-approve")
    changed = json.loads((tf.dir / "terraform.tfstate").read_text())
    assert changed["serial"] > serial and changed["lineage"] == lineage
    assert (tf.dir / "terraform.tfstate.backup").exists()


def test_replace_and_update_in_place(tf, fake_registry):
    tf.write("main.tf", MAIN)
    tf("apply", "-auto-approve")
    tf.write("main.tf", MAIN.replace('default = "demo"', 'default = "new"'))
    code, text = tf("plan")
    assert "  # fake_bucket.b must be replaced\n-/+ resource" in text
    assert '~ bucket = "demo-bucket" -> "new-bucket" # forces replacement' in text
    assert "-/+ destroy and then create replacement" in text
    assert "Plan: 1 to add, 0 to change, 1 to destroy." in text
    tf.write("main.tf", MAIN.replace("Role = fake_role.r.arn", 'Role = "x"'))
    code, text = tf("apply", "-auto-approve")
    assert "# fake_bucket.b will be updated in-place" in text
    assert "fake_bucket.b: Modifying... [id=demo-bucket]" in text
    assert "Apply complete! Resources: 0 added, 1 changed, 0 destroyed." in text
    assert fake_registry.objects[("bucket", "demo-bucket")]["tags"] == {"Role": "x"}


def test_cloud_reset_means_recreate(tf, fake_registry):
    tf.write("main.tf", MAIN)
    tf("apply", "-auto-approve")
    fake_registry.objects.clear()
    code, text = tf("apply", "-auto-approve")
    assert "Apply complete! Resources: 2 added, 0 changed, 0 destroyed." in text


def test_failure_mid_apply_keeps_state_and_retry_does_not_duplicate(tf, fake_registry):
    tf.write("main.tf", MAIN)
    fake_registry.fail_on.add("demo-bucket")
    code, text = tf("apply", "-auto-approve")
    assert code == 1
    assert "│ Error: creating fake_bucket.b: BucketAlreadyExists: The bucket demo-bucket" in text
    assert "│   with fake_bucket.b," in text
    assert '│   on main.tf line 28, in resource "fake_bucket" "b":' in text
    state = json.loads((tf.dir / "terraform.tfstate").read_text())
    assert [r["name"] for r in state["resources"]] == ["r"]
    fake_registry.fail_on.clear()
    code, text = tf("apply", "-auto-approve")
    assert code == 0
    assert "Apply complete! Resources: 1 added, 0 changed, 0 destroyed." in text
    assert fake_registry.calls.count(("create", "lambda_execution_role")) == 1


def test_removed_from_config_is_destroyed(tf, fake_registry):
    tf.write("main.tf", MAIN)
    tf("apply", "-auto-approve")
    tf.write("main.tf", MAIN.split('resource "fake_bucket"')[0])
    code, text = tf("apply", "-auto-approve")
    assert "  # (because fake_bucket.b is not in configuration)" in text
    assert "Apply complete! Resources: 0 added, 0 changed, 1 destroyed." in text
    assert ("bucket", "demo-bucket") not in fake_registry.objects


def test_each_value_belongs_to_its_own_block(tf, fake_registry):
    # Two for_each blocks: apply must not read each.value of the block planned last.
    tf.write(
        "main.tf",
        """
resource "fake_bucket" "first" {
  for_each = { x = "one" }
  bucket   = "first-${each.value}"
}
resource "fake_bucket" "second" {
  for_each = { x = "two" }
  bucket   = "second-${each.value}"
}
""",
    )
    code, text = tf("apply", "-auto-approve")
    assert code == 0, text
    assert ("bucket", "first-one") in fake_registry.objects
    assert ("bucket", "second-two") in fake_registry.objects
    code, text = tf("plan")
    assert "No changes." in text


def test_count_and_for_each_addresses(tf):
    tf.write(
        "main.tf",
        """
resource "fake_bucket" "c" {
  count  = 2
  bucket = "c-${count.index}"
}
resource "fake_bucket" "e" {
  for_each = { a = "x", b = "y" }
  bucket   = "e-${each.key}-${each.value}"
}
output "ids" { value = [fake_bucket.c[1].id, fake_bucket.e["b"].id] }
""",
    )
    code, text = tf("apply", "-auto-approve")
    assert code == 0, text
    for addr in (
        "fake_bucket.c[0]",
        "fake_bucket.c[1]",
        'fake_bucket.e["a"]',
        'fake_bucket.e["b"]',
    ):
        assert f"{addr}: Creation complete" in text
    assert 'ids = [\n  "c-1",\n  "e-b-y",\n]' in text
    state = json.loads((tf.dir / "terraform.tfstate").read_text())
    eaches = {
        r["name"]: (r["each"], [i["index_key"] for i in r["instances"]]) for r in state["resources"]
    }
    assert eaches == {"c": ("list", [0, 1]), "e": ("map", ["a", "b"])}
    shrunk = (tf.dir / "main.tf").read_text().replace("count  = 2", "count  = 1")
    tf.write("main.tf", shrunk)
    code, text = tf("plan")
    assert code == 1  # the output still reads c[1]
    assert "fake_bucket.c has 1 elements, index 1 is out of range" in text
    tf.write("main.tf", shrunk.replace("fake_bucket.c[1]", "fake_bucket.c[0]"))
    code, text = tf("plan")
    assert "# (because index [1] is out of range for count)" in text


def test_data_source_read_during_plan(tf):
    tf.write("hello.txt", "hi there")
    tf.write(
        "main.tf",
        """
data "fake_file" "f" {
  path = "hello.txt"
}
resource "fake_bucket" "b" {
  bucket = "len-${data.fake_file.f.length}"
}
""",
    )
    code, text = tf("plan")
    assert text.startswith("data.fake_file.f: Reading...\ndata.fake_file.f: Read complete")
    assert '+ bucket        = "len-8"' in text
    tf("apply", "-auto-approve")
    state = json.loads((tf.dir / "terraform.tfstate").read_text())
    assert [r["mode"] for r in state["resources"]] == ["data", "managed"]


def test_apply_without_auto_approve_asks(tf, fake_registry):
    tf.write("main.tf", MAIN)
    code, text = tf("apply", stdin="no\n")
    assert code == 1
    assert "Do you want to perform these actions?" in text
    assert "  Enter a value: " in text and "Apply cancelled." in text
    assert fake_registry.calls == []
    code, text = tf("apply", stdin="yes\n")
    assert code == 0 and "Apply complete!" in text


def test_override_files_merge(tf):
    tf.write("main.tf", MAIN)
    tf.write("zz_override.tf", 'variable "prefix" {\n  default = "over"\n}\n')
    code, text = tf("plan")
    assert '"over-bucket"' in text


def test_nested_blocks_compare_only_configured_fields(tf, fake_registry):
    tf.write(
        "main.tf",
        'resource "fake_bucket" "b" {\n  bucket = "b"\n  rule {\n    events = ["e"]\n  }\n}\n',
    )
    code, text = tf("plan")
    assert (
        '      + rule {\n          + events = [\n              + "e",\n            ]\n        }'
        in text
    )
    tf("apply", "-auto-approve")
    stored = fake_registry.objects[("bucket", "b")]
    stored["rule"] = [{"events": ["e"], "id": "generated", "filter_prefix": ""}]
    code, text = tf("plan")
    assert "No changes." in text


def test_destroy_goes_on_past_a_failure_and_keeps_only_what_it_needs(tf, fake_registry):
    """As terraform: a bucket that cannot be deleted keeps its own dependencies, nothing else."""
    tf.write(
        "main.tf",
        """
resource "fake_role" "unrelated" {
  name = "unrelated"
}
resource "fake_role" "owner" {
  name = "owner"
}
resource "fake_bucket" "data" {
  bucket = "data-bucket"
  tags   = { owner = fake_role.owner.arn }
}
""",
    )
    assert tf("apply", "-auto-approve")[0] == 0
    fake_registry.fail_delete.add("data-bucket")
    code, out = tf("destroy", "-auto-approve")
    assert code == 1
    assert "BucketNotEmpty" in out
    remaining = sorted(name for _, name in fake_registry.objects)
    assert remaining == ["data-bucket", "owner"]
    assert ("delete", "unrelated") in fake_registry.calls
    assert ("delete", "owner") not in fake_registry.calls
