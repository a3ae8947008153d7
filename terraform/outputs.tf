output "bucket_name" {
  description = "Upload to s3://<bucket_name>/uploads/ to trigger the function."
  value       = aws_s3_bucket.hands_on_bucket.bucket
}

output "function_name" {
  value = aws_lambda_function.s3_move_lambda.function_name
}

output "log_group" {
  value = aws_cloudwatch_log_group.s3_move.name
}
