package credexport

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/secret"
)

var creds = api.Credentials{AccessKeyID: "ASIAEXAMPLE000000001", SecretAccessKey: secret.New("se'cr/et+1"),
	SessionToken: secret.New("tok=="), Expiration: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), AccountID: "123456789012"}

// The env format, run through a real sh, sets exactly the values, quotes
// included, and clears what would outrank them.
func TestEnvEvaluatesInSh(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "env", "p", "eu-west-1", creds); err != nil {
		t.Fatal(err)
	}
	script := b.String() + `printf '%s|%s|%s|%s|%s|%s\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "$AWS_CREDENTIAL_EXPIRATION" "$AWS_REGION" "${AWS_PROFILE-unset}"`
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Env = []string{"AWS_PROFILE=other"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sh: %v\n%s", err, out)
	}
	want := "ASIAEXAMPLE000000001|se'cr/et+1|tok==|2030-01-02T03:04:05Z|eu-west-1|unset\n"
	if string(out) != want {
		t.Errorf("sh saw %q, want %q", out, want)
	}
}

func TestJSONIsCredentialProcessOutput(t *testing.T) {
	var got, want bytes.Buffer
	if err := Write(&got, "json", "p", "eu-west-1", creds.Rendered()); err != nil {
		t.Fatal(err)
	}
	_ = creds.WriteProcessJSON(&want)
	if got.String() != want.String() {
		t.Errorf("json %s, want credential_process's %s", got.String(), want.String())
	}
}

func TestINIAndPowerShell(t *testing.T) {
	var b bytes.Buffer
	_ = Write(&b, "ini", "prod", "eu-west-1", creds)
	for _, want := range []string{"[prod]\n", "aws_access_key_id = ASIAEXAMPLE000000001\n", "aws_secret_access_key = se'cr/et+1\n",
		"aws_session_token = tok==\n", "region = eu-west-1\n", "# expires 2030-01-02T03:04:05Z"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("ini lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	_ = Write(&b, "powershell", "prod", "", creds)
	for _, want := range []string{"$Env:AWS_SECRET_ACCESS_KEY = 'se''cr/et+1'\n", "Remove-Item Env:AWS_PROFILE"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("powershell lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "AWS_REGION") {
		t.Errorf("no region was given, yet:\n%s", b.String())
	}
	long := api.Credentials{AccessKeyID: "AKIAEXAMPLE000000001", SecretAccessKey: secret.New("s")}
	b.Reset()
	_ = Write(&b, "env", "boot", "", long)
	if strings.Contains(b.String(), "AWS_SESSION_TOKEN") || strings.Contains(b.String(), "EXPIRATION") {
		t.Errorf("long-term keys got a token or expiry:\n%s", b.String())
	}
	if w := Warning("boot", long, time.Now()); !strings.Contains(w, "LONG-TERM") {
		t.Errorf("warning %q", w)
	}
	if err := Write(&b, "yaml", "p", "", creds); err == nil || !strings.Contains(err.Error(), "env, json, ini, powershell") {
		t.Errorf("unknown format: %v", err)
	}
	if IsTerminal(&b) {
		t.Error("a buffer is no terminal")
	}
}
