package stackrun

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/profiles"
)

// VarFile returns the JSON var-file for the stack's parameters, or nil when
// it has none. spin writes it in its own temp dir and passes -var-file:
// values never go through argv (-var), where other users could read them.
func VarFile(c *Config) ([]byte, error) {
	if len(c.Parameters) == 0 {
		return nil, nil
	}
	b, err := json.MarshalIndent(c.Parameters, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// BackendConfig returns the -backend-config key=value settings for the s3
// backend, or nil without terraform_backend. The profile is the spin
// profile the stack's credentials map to; use_lockfile is always on.
func BackendConfig(c *Config, cr *Credentials) []string {
	b := c.Backend
	if b == nil {
		return nil
	}
	out := []string{
		"bucket=" + b.Bucket,
		"key=" + b.Key,
		"region=" + cr.BackendRegion,
		"profile=" + cr.Backend,
	}
	for _, f := range backendFlags {
		if b.Flags[f] {
			out = append(out, f+"=true")
		}
	}
	if len(b.Endpoints) > 0 {
		// endpoints is an object: tofu parses the value as an HCL expression.
		var parts []string
		for _, n := range endpointNames {
			if u, ok := b.Endpoints[n]; ok {
				parts = append(parts, n+"="+hclString(u))
			}
		}
		out = append(out, "endpoints={"+strings.Join(parts, ",")+"}")
	}
	return append(out, "use_lockfile=true")
}

// hclString quotes s as an HCL string literal, template sequences escaped.
func hclString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`, "${", "$${", "%{", "%%{")
	return `"` + r.Replace(s) + `"`
}

// SessionName is the role session name the stack's sessions get,
// <stack>-<group>, so CloudTrail and `spin status` show what ran.
func SessionName(c *Config) string { return profiles.SanitizeSessionName(c.Name + "-" + c.Group) }

// Host is the part of spin's own environment the child's is built from.
type Host struct {
	Getenv        func(string) string
	Socket        string // spind's socket, as spin resolved it
	AWSConfigFile string // the AWS config file spin checked (absolute)
}

// passed are the variables the child inherits from spin: what finds
// programs and files, the locale, and what the credential helper needs to
// reach the same spind.
var passed = []string{
	"PATH", "HOME",
	"LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_NUMERIC", "LC_TIME", "LC_COLLATE", "LC_MONETARY",
	"LC_MESSAGES", "LC_PAPER", "LC_NAME", "LC_ADDRESS", "LC_TELEPHONE", "LC_MEASUREMENT", "LC_IDENTIFICATION",
	"XDG_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS",
	// Where an autostarted spind finds spin's config and writes its log.
	"XDG_CONFIG_HOME", "XDG_STATE_HOME", "SPIN_CONFIG",
}

// Env returns the child's whole environment, as an explicit map: nothing
// else of spin's environment passes, so static AWS keys
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), the
// keyring passphrase and stray TF_* settings never reach tofu.
// terraform-exec adds TF_IN_AUTOMATION=1 itself (and refuses it, TF_VAR_*,
// TF_CLI_ARGS* and TF_LOG* here). AWS_DEFAULT_REGION repeats AWS_REGION
// for AWS CLIs that read only it.
func Env(c *Config, cr *Credentials, h Host) map[string]string {
	env := map[string]string{}
	for _, k := range passed {
		if v := h.Getenv(k); v != "" {
			env[k] = v
		}
	}
	set := func(k, v string) {
		if v != "" {
			env[k] = v
		}
	}
	set("SPIN_SOCKET", h.Socket)
	set("AWS_CONFIG_FILE", h.AWSConfigFile)
	set("AWS_PROFILE", cr.Providers)
	set("AWS_REGION", cr.Region)
	set("AWS_DEFAULT_REGION", cr.Region)
	set("SPIN_SESSION_NAME", SessionName(c))
	return env
}

// forbiddenIn lists the secret-carrying variables (secret.IsEnvVar) of
// env, which must never reach tofu; Env cannot produce them, and the
// runner checks again before starting the child.
func forbiddenIn(env map[string]string) []string {
	var bad []string
	for k := range env {
		if secret.IsEnvVar(k) {
			bad = append(bad, k)
		}
	}
	slices.Sort(bad)
	return bad
}
