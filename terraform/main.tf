# The article's hands-on, corrected: S3 upload -> (asynchronous) Lambda -> object moved to processed/.

# S3 bucket names are global across all AWS accounts, so a fixed name such as the article's
# "hands-on-bucket-2024" is probably taken. A random suffix makes ours unique.
resource "random_id" "suffix" {
  byte_length = 4
}

locals {
  bucket_name = "${var.bucket_prefix}-${random_id.suffix.hex}"
}

# ---------------------------------------------------------------- IAM: who the function runs as

resource "aws_iam_role" "lambda_role" {
  name = "${var.function_name}_role"

  # Trust policy: only the Lambda service may assume this role.
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Action    = "sts:AssumeRole"
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
}

# Lets the function write its logs to CloudWatch Logs.
resource "aws_iam_role_policy_attachment" "lambda_basic_execution" {
  role       = aws_iam_role.lambda_role.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

# What the handler does with S3, and on this bucket only. The article typed the bucket ARN by
# hand; referencing the bucket keeps the policy right when the name changes.
resource "aws_iam_policy" "lambda_s3_policy" {
  name        = "${var.function_name}_s3_access"
  description = "Read, copy and delete objects in the hands-on bucket"

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"]
      Resource = [aws_s3_bucket.hands_on_bucket.arn, "${aws_s3_bucket.hands_on_bucket.arn}/*"]
    }]
  })
}

resource "aws_iam_role_policy_attachment" "lambda_s3_policy_attachment" {
  role       = aws_iam_role.lambda_role.name
  policy_arn = aws_iam_policy.lambda_s3_policy.arn
}

# ---------------------------------------------------------------- S3

resource "aws_s3_bucket" "hands_on_bucket" {
  bucket = local.bucket_name

  # Lets `terraform destroy` delete the bucket even with processed/ files left in it.
  force_destroy = true
}

# ---------------------------------------------------------------- Lambda

# Zip the handler's folder. The zip's hash goes into source_code_hash, so editing the code and
# running `terraform apply` again uploads the new version.
data "archive_file" "s3_move" {
  type        = "zip"
  source_dir  = "${path.module}/../lambda_functions/s3_move"
  output_path = "${path.module}/build/s3_move.zip"
  excludes    = ["__pycache__"]
}

# Owning the log group lets terraform set a retention and delete the logs on destroy.
resource "aws_cloudwatch_log_group" "s3_move" {
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = 7
}

resource "aws_lambda_function" "s3_move_lambda" {
  function_name    = var.function_name
  role             = aws_iam_role.lambda_role.arn
  handler          = "lambda_function.lambda_handler"
  runtime          = "python3.12" # the article's python3.9 is past end of support
  timeout          = 10
  filename         = data.archive_file.s3_move.output_path
  source_code_hash = data.archive_file.s3_move.output_base64sha256

  depends_on = [aws_cloudwatch_log_group.s3_move]
}

# Resource-based policy on the function: S3, from this bucket only, may invoke it.
resource "aws_lambda_permission" "allow_s3_invocation" {
  statement_id  = "AllowExecutionFromS3"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.s3_move_lambda.function_name
  principal     = "s3.amazonaws.com"
  source_arn    = aws_s3_bucket.hands_on_bucket.arn
}

# S3 invokes the function asynchronously for each new object under upload_prefix.
resource "aws_s3_bucket_notification" "bucket_notification" {
  bucket = aws_s3_bucket.hands_on_bucket.id

  lambda_function {
    lambda_function_arn = aws_lambda_function.s3_move_lambda.arn
    events              = ["s3:ObjectCreated:*"]
    # Without a prefix the function's own processed/ copy would trigger it again.
    filter_prefix = var.upload_prefix
  }

  # When this configuration is saved, S3 checks that it may invoke the function and refuses
  # otherwise ("Unable to validate the following destination configurations"). Nothing here
  # refers to the permission, so this line is what makes terraform create it first.
  depends_on = [aws_lambda_permission.allow_s3_invocation]
}
