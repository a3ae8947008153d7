"""tools/editions.py on %%writefile cells: the file's comments may be translated, nothing else.

The article's own main.tf carries Japanese comments; the Japanese edition may too, while the
Terraform (compared parsed, comments dropped) and the Python (compared as a code cell) stay the
English edition's.
"""

from __future__ import annotations

import pytest

from tools import editions

MAIN_TF = """\
%%writefile lab-work/lambda-async/main.tf
# --- The execution role -----------------------------------------------------------
resource "aws_iam_role" "lambda_role" {
  name = "s3_move_lambda_function_role" # the role's name

  // Trust policy: only the Lambda service may assume this role.
  assume_role_policy = jsonencode({
    Version   = "2012-10-17" # the policy language
    Statement = []
  })
}
/* a block comment */
output "role" { value = aws_iam_role.lambda_role.arn }
"""
MAIN_TF_JA = (
    MAIN_TF.replace("# --- The execution role", "# --- 実行ロール")
    .replace("# the role's name", "# ロールの名前")
    .replace("// Trust policy: only the Lambda service may assume this role.", "// 信頼ポリシー")
    .replace("/* a block comment */", "/* ブロックコメント */")
    .replace("# the policy language", "# ポリシーの言語のバージョン")
)
HANDLER = """\
%%writefile lab-work/lambda-async/lambda-functions/lambda_function.py
\"\"\"Move each uploaded object into processed/.\"\"\"

PREFIX = "processed/"  # where the copies go


def lambda_handler(event, context):
    # Keys arrive URL-encoded.
    print(f"Copied {event} to {PREFIX}")
"""
HANDLER_JA = HANDLER.replace("# where the copies go", "# コピーの行き先").replace(
    "# Keys arrive URL-encoded.", "# キーは URL エンコードされて届きます。"
)
STRINGS = {"Move each uploaded object into processed/.": "オブジェクトを processed/ へ移します。"}


def test_translated_terraform_comments_are_in_step():
    assert editions.compare_code(MAIN_TF, MAIN_TF_JA, {}) is None


def test_translated_python_comments_and_listed_strings_are_in_step():
    japanese = HANDLER_JA.replace(*next(iter(STRINGS.items())))
    assert editions.compare_code(HANDLER, japanese, STRINGS) is None


@pytest.mark.parametrize(
    ("english", "japanese", "expected"),
    [
        (
            MAIN_TF,
            MAIN_TF_JA.replace('name = "s3_move_lambda_function_role"', 'name = "ロール"'),
            "the Terraform in lab-work/lambda-async/main.tf differs from the English",
        ),
        (
            MAIN_TF,
            MAIN_TF_JA.replace("2012-10-17", "2008-10-17"),
            "the Terraform in lab-work/lambda-async/main.tf differs from the English",
        ),
        (
            MAIN_TF,
            MAIN_TF_JA.replace('output "role"', 'output "role_arn"'),
            "the Terraform in lab-work/lambda-async/main.tf differs from the English",
        ),
        (
            MAIN_TF,
            MAIN_TF_JA.replace("lab-work/lambda-async/main.tf", "lab-work/main.tf", 1),
            "the magic line must be identical: %%writefile lab-work/lambda-async/main.tf",
        ),
        (
            MAIN_TF,
            MAIN_TF_JA.replace("jsonencode({", "jsonencode({{"),
            "does not parse as HCL",
        ),
        (
            HANDLER,
            HANDLER_JA.replace('"processed/"', '"done/"'),
            "in the file it writes (lab-work/lambda-async/lambda-functions/lambda_function.py)",
        ),
        (
            HANDLER,
            HANDLER_JA.replace("Copied {event}", "コピー {event}"),
            "is not the English",
        ),
        (
            "%%writefile notes.txt\nthe role\n",
            "%%writefile notes.txt\nロール\n",
            "a %%writefile cell of this file type must be identical",
        ),
        (
            "%%bash\n# list\nls\n",
            "%%bash\n# 一覧\nls\n",
            "a cell magic (%%…) cell must be identical",
        ),
    ],
    ids=[
        "tf-value",
        "tf-nested-value",
        "tf-block-label",
        "magic-line",
        "tf-unparsable",
        "py-code",
        "py-unlisted-string",
        "other-file-type",
        "other-cell-magic",
    ],
)
def test_anything_but_comments_in_a_written_file_is_drift(english, japanese, expected):
    problem = editions.compare_code(english, japanese, STRINGS)
    assert problem is not None and expected in problem, problem
