// Package credexport prints a profile's credentials for tools that take
// neither a profile (credential_process) nor a container endpoint (spin
// exec): as shell variables, credential_process JSON, a credentials-file
// section or PowerShell assignments. This is the one place spin writes
// credentials where it cannot see them go, so the CLI warns when the output
// is a terminal.
package credexport

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/cloudspin/spin/broker/api"
)

// Formats are the output formats, the first the default.
var Formats = []string{"env", "json", "ini", "powershell"}

// CheckFormat says what to use instead of an unknown format.
func CheckFormat(f string) error {
	for _, k := range Formats {
		if f == k {
			return nil
		}
	}
	return fmt.Errorf("unknown --format %q: use one of %s", f, strings.Join(Formats, ", "))
}

// Write prints c in format. region, when set, is added as AWS_REGION and
// AWS_DEFAULT_REGION (env, powershell) or region (ini); json is exactly
// what credential_process prints.
func Write(w io.Writer, format, profile, region string, c api.Credentials) error {
	if err := CheckFormat(format); err != nil {
		return err
	}
	if format == "json" {
		return c.WriteProcessJSON(w)
	}
	type kv struct{ env, ini, val string }
	vars := []kv{
		{"AWS_ACCESS_KEY_ID", "aws_access_key_id", c.AccessKeyID},
		{"AWS_SECRET_ACCESS_KEY", "aws_secret_access_key", c.SecretAccessKey.Reveal()},
	}
	if tok := c.SessionToken.Reveal(); tok != "" {
		vars = append(vars, kv{"AWS_SESSION_TOKEN", "aws_session_token", tok})
	}
	if !c.Expiration.IsZero() {
		// botocore and the AWS CLI read this to refresh (or warn) in time.
		vars = append(vars, kv{"AWS_CREDENTIAL_EXPIRATION", "", c.Expiration.UTC().Format(time.RFC3339)})
	}
	if region != "" {
		vars = append(vars, kv{"AWS_REGION", "region", region}, kv{"AWS_DEFAULT_REGION", "", region})
	}
	var b strings.Builder
	switch format {
	case "env":
		// Variables set in the shell outrank these, or point elsewhere.
		b.WriteString("unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_AUTHORIZATION_TOKEN\n")
		for _, v := range vars {
			fmt.Fprintf(&b, "export %s=%s\n", v.env, shQuote(v.val))
		}
	case "powershell":
		for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN"} {
			fmt.Fprintf(&b, "Remove-Item Env:%s -ErrorAction SilentlyContinue\n", k)
		}
		for _, v := range vars {
			fmt.Fprintf(&b, "$Env:%s = %s\n", v.env, psQuote(v.val))
		}
	case "ini":
		fmt.Fprintf(&b, "[%s]\n", profile)
		if !c.Expiration.IsZero() {
			fmt.Fprintf(&b, "# expires %s; run spin export again after that\n", c.Expiration.UTC().Format(time.RFC3339))
		}
		for _, v := range vars {
			if v.ini != "" {
				fmt.Fprintf(&b, "%s = %s\n", v.ini, v.val)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// shQuote quotes s for sh: single quotes, with ' as '\”.
func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// psQuote quotes s for PowerShell: single quotes, with ' doubled.
func psQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// IsTerminal reports whether w is a terminal, where printed credentials
// end up in scrollback, screen sharing and terminal logs.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Warning is the line for stderr when the output is a terminal.
func Warning(profile string, c api.Credentials, now time.Time) string {
	if c.Expiration.IsZero() {
		return fmt.Sprintf("spin: warning: these are the LONG-TERM keys of profile %s's key set, printed to your terminal; they do not expire: redirect or eval the output instead", profile)
	}
	return fmt.Sprintf("spin: warning: these are live credentials of profile %s (valid for %s), printed to your terminal: redirect or eval the output instead",
		profile, c.Expiration.Sub(now).Round(time.Minute))
}
