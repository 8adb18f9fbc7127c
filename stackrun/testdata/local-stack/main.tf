# A stack the integration test runs with real tofu: no provider download,
# local state. The provisioner records the environment tofu's children get.

variable "greeting" {
  type = string
}

variable "env_file" {
  type = string
}

variable "sleep_seconds" {
  type    = number
  default = 0
}

resource "terraform_data" "hello" {
  input = var.greeting

  provisioner "local-exec" {
    environment = {
      ENV_FILE = var.env_file
      SLEEP    = var.sleep_seconds
    }
    command = "env > \"$ENV_FILE\"; sleep \"$SLEEP\""
  }
}

output "greeting" {
  value = terraform_data.hello.output
}
