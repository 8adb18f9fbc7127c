variable "api_user" {
  description = "The unprivileged IAM user whose keys spin keeps in the keyring; it may assume the roles."
  type        = string
}

variable "role_prefix" {
  description = "Prefix of the role names: spin_role-cloudspin_examples gives spin_role-cloudspin_examples-account and so on."
  type        = string
  default     = "spin_role-cloudspin_examples"
}

variable "max_session_duration" {
  description = "Longest role session in seconds (3600 to 43200). spin refreshes sessions ahead of expiry, so 1 h is plenty."
  type        = number
  default     = 3600
}
