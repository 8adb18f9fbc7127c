# spin's offline demo stack: no provider to download. A terraform_data
# resource runs the AWS CLI in a local-exec provisioner; the CLI finds its
# credentials through AWS_PROFILE, which spin sets to a credential_process
# profile, so every call gets a session from spind, refreshed as needed.
# State goes to the S3 backend (the emulator's, in `make demo`).

terraform {
  required_version = ">= 1.6.0"

  # Settings come from terraform_backend in the stack-instance files.
  backend "s3" {}
}

resource "terraform_data" "caller_identity" {
  input = {
    calls            = var.calls
    interval_seconds = var.interval_seconds
  }

  provisioner "local-exec" {
    interpreter = ["/bin/sh", "-c"]
    # The values travel as variables, never spliced into the script.
    environment = {
      AWS_CLI      = var.aws_cli
      STS_ENDPOINT = var.sts_endpoint
      CALLS        = var.calls
      INTERVAL     = var.interval_seconds
    }
    command = <<-EOT
      i=1
      while [ "$i" -le "$CALLS" ]; do
        "$AWS_CLI" sts get-caller-identity --endpoint-url "$STS_ENDPOINT" --query Arn --output text || exit 1
        if [ "$i" -lt "$CALLS" ]; then sleep "$INTERVAL"; fi
        i=$((i + 1))
      done
    EOT
  }
}

output "calls" {
  description = "How many get-caller-identity calls the apply made."
  value       = terraform_data.caller_identity.output.calls
}
