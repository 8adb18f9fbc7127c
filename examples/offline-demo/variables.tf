variable "sts_endpoint" {
  description = "STS endpoint the AWS CLI calls: the emulator's URL (AWS CLI v2 ignores AWS_ENDPOINT_URL_STS)."
  type        = string
}

variable "aws_cli" {
  description = "The AWS CLI to run; an absolute path avoids a different aws earlier on PATH."
  type        = string
  default     = "/usr/bin/aws"
}

variable "calls" {
  description = "How many times to call sts get-caller-identity."
  type        = number
  default     = 1
}

variable "interval_seconds" {
  description = "Pause between calls: calls x interval longer than a session shows refresh during an apply."
  type        = number
  default     = 2
}
