package secret

import "slices"

// envVars are the environment variables that carry a secret: AWS keys and
// session tokens, and spin's keyring passphrase. They must never reach
// spind (it would keep them in /proc/PID/environ), tofu, or a child of
// `spin exec`.
var envVars = []string{"SPIN_KEYRING_PASSPHRASE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"}

// IsEnvVar reports whether the environment variable name carries a secret.
func IsEnvVar(name string) bool { return slices.Contains(envVars, name) }
