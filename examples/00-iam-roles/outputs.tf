# `spin profiles diff --from-stack` turns these into profiles such as
# assume-cloudspin_examples-account.

output "account_role_arn" {
  description = "Role that manages IAM roles, policies, etc. (and the state bucket)."
  value       = aws_iam_role.role["account"].arn
}

output "delivery_role_arn" {
  description = "Role that manages delivery resources: pipelines, S3 buckets, etc."
  value       = aws_iam_role.role["delivery"].arn
}

output "basic_stacks_role_arn" {
  description = "Role that manages basic stacks."
  value       = aws_iam_role.role["basic_stacks"].arn
}
