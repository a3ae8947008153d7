"""Evaluator over python-hcl2 8.1.4's dict output, checked against golden fixtures."""

import json
from pathlib import Path

import hcl2
import pytest

from lambdalab.terraform.config import OPTIONS
from lambdalab.terraform.errors import EvalError
from lambdalab.terraform.expressions import Scope, evaluate, references
from lambdalab.terraform.functions import jsonencode
from lambdalab.terraform.unknown import UNKNOWN

FIXTURES = Path(__file__).parent / "fixtures"


def _locals(name: str) -> dict:
    data = hcl2.loads((FIXTURES / name).read_text(), serialization_options=OPTIONS)
    return {k: v for k, v in data["locals"][0].items() if not k.startswith("__")}


def test_python_hcl2_shape_is_the_one_the_evaluator_expects():
    data = hcl2.loads((FIXTURES / "shape.tf").read_text(), serialization_options=OPTIONS)
    assert data == json.loads((FIXTURES / "shape.json").read_text())


GOLDEN = json.loads((FIXTURES / "expressions.json").read_text())


@pytest.fixture(scope="module")
def golden_locals():
    return _locals("expressions.tf")  # parsed once for all the cases


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_expression_golden(name, golden_locals):
    scope = Scope(variables={"name": "lab", "tags": {"Env": "dev"}, "n": 3})
    assert evaluate(golden_locals[name], scope) == GOLDEN[name]


def test_article_policy_matches_terraform_jsonencode_bytes():
    src = """x = jsonencode({
      Version = "2012-10-17",
      Statement = [{
        Action = "sts:AssumeRole",
        Effect = "Allow",
        Principal = { Service = "lambda.amazonaws.com" }
      }]
    })
    """
    leaf = hcl2.loads(src, serialization_options=OPTIONS)["x"]
    assert evaluate(leaf, Scope()) == (
        '{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow",'
        '"Principal":{"Service":"lambda.amazonaws.com"}}],"Version":"2012-10-17"}'
    )


def test_jsonencode_numbers_and_unicode():
    assert jsonencode({"n": 3.0, "u": "日本", "l": "\u2028"}) == '{"l":"\\u2028","n":3,"u":"日本"}'


def test_references_found_in_templates_heredocs_and_function_args():
    leaf = '"${jsonencode({a = aws_iam_role.r.arn, b = [for x in var.l : x]})}"'
    assert {r.address for r in references(leaf)} == {"aws_iam_role.r", "var.l"}
    heredoc = '"<<EOT\n${data.archive_file.main.output_path}\nEOT"'
    assert [r.address for r in references(heredoc)] == ["data.archive_file.main"]
    assert references('"${[for s in local.xs : s.id]}"')[0].address == "local.xs"


def test_unknown_values_propagate():
    scope = Scope(resources={"aws_x.y": {"arn": UNKNOWN, "name": "n"}})
    assert evaluate('"${aws_x.y.arn}/suffix"', scope) is UNKNOWN
    assert evaluate("${jsonencode({a = aws_x.y.arn})}", scope) is UNKNOWN
    assert evaluate("${aws_x.y.name}", scope) == "n"


def test_count_index_and_each():
    scope = Scope(count_index=2)
    assert evaluate('"n-${count.index}"', scope) == "n-2"
    scope = Scope(each=("k", {"v": 1}))
    assert evaluate('"${each.key}=${each.value.v}"', scope) == "k=1"


def test_path_module_is_dot():
    scope = Scope(path={"module": ".", "root": ".", "cwd": "/w"})
    assert evaluate('"${path.module}/lambda-functions"', scope) == "./lambda-functions"


def test_file_functions(tmp_path):
    (tmp_path / "f.txt").write_text("abc")
    scope = Scope(base_dir=str(tmp_path))
    assert evaluate('${file("f.txt")}', scope) == "abc"
    assert evaluate('${filesha256("f.txt")}', scope).startswith("ba7816bf")
    assert evaluate('${filebase64sha256("f.txt")}', scope) == (
        "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
    )
    with pytest.raises(EvalError, match="no file exists"):
        evaluate('${file("missing.txt")}', scope)


def test_errors_name_what_is_wrong():
    scope = Scope(resources={"aws_x.y": {"arn": "a"}})
    with pytest.raises(EvalError) as err:
        evaluate("${aws_x.y.arnn}", scope)
    assert err.value.summary == "Unsupported attribute"
    assert err.value.subject == "aws_x.y.arnn"
    with pytest.raises(EvalError, match="undeclared input variable"):
        evaluate("${var.nope}", scope)
    with pytest.raises(EvalError, match="null"):
        evaluate('"a${null}"', scope)
    with pytest.raises(EvalError, match="no function named"):
        evaluate("${nosuch(1)}", scope)
