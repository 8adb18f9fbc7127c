# The iam-roles stack of the cloudspin examples: three IAM roles that the
# unprivileged API user (var.api_user) may assume. Apply it once with a
# bootstrap profile; afterwards spin assumes the account role for this and
# every other example.
#
# spin runs this with AWS_PROFILE set to a profile from ~/.aws/config whose
# credential_process is spin's helper, and with -backend-config for the S3
# state (bucket, key, region, profile). No keys or role ARNs appear here.

terraform {
  required_version = ">= 1.6.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }

  # Settings come from terraform_backend in the stack-instance files.
  backend "s3" {}
}

# Region and credentials come from AWS_REGION and AWS_PROFILE, which spin
# sets from the stack-instance files and spin's config.yaml.
provider "aws" {}

data "aws_caller_identity" "current" {}

data "aws_iam_user" "api_user" {
  user_name = var.api_user
}

locals {
  # The walkthrough's three roles and what each may manage. As the
  # walkthrough says, the account role is highly privileged for now: it
  # manages IAM and holds the state bucket too; split it when the examples
  # grow a narrower state role.
  roles = {
    account = {
      description = "Used to manage IAM roles, policies, etc."
      policies    = ["arn:aws:iam::aws:policy/AdministratorAccess"]
    }
    delivery = {
      description = "Used to manage resources that support delivery, e.g. pipelines, S3 buckets, etc."
      policies = [
        "arn:aws:iam::aws:policy/AWSCodePipeline_FullAccess",
        "arn:aws:iam::aws:policy/AWSCodeBuildAdminAccess",
        "arn:aws:iam::aws:policy/AmazonS3FullAccess",
      ]
    }
    basic_stacks = {
      description = "Used to manage basic stacks"
      policies    = ["arn:aws:iam::aws:policy/PowerUserAccess"]
    }
  }

  attachments = merge([
    for role, r in local.roles : {
      for arn in r.policies : "${role}:${arn}" => { role = role, policy_arn = arn }
    }
  ]...)
}

data "aws_iam_policy_document" "assume_by_api_user" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = [data.aws_iam_user.api_user.arn]
    }
  }
}

resource "aws_iam_role" "role" {
  for_each = local.roles

  name                 = "${var.role_prefix}-${each.key}"
  description          = each.value.description
  assume_role_policy   = data.aws_iam_policy_document.assume_by_api_user.json
  max_session_duration = var.max_session_duration

  tags = {
    managed_by = "cloudspin_examples/00-iam-roles"
    account    = data.aws_caller_identity.current.account_id
  }
}

resource "aws_iam_role_policy_attachment" "role" {
  for_each = local.attachments

  role       = aws_iam_role.role[each.value.role].name
  policy_arn = each.value.policy_arn
}

# The API user may assume exactly these roles, and nothing else.
data "aws_iam_policy_document" "api_user_assume" {
  statement {
    actions   = ["sts:AssumeRole"]
    resources = [for r in aws_iam_role.role : r.arn]
  }
}

resource "aws_iam_user_policy" "api_user_assume" {
  name   = "${var.role_prefix}-assume"
  user   = data.aws_iam_user.api_user.user_name
  policy = data.aws_iam_policy_document.api_user_assume.json
}
