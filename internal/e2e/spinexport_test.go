package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// spin export --format env works in eval (sh, then the AWS CLI with no
// profile at all); --format json is byte for byte what the helper prints;
// a profile that would hand out long-term keys needs the key set's
// allow-export, as the helper does.
func TestSpinExport(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.writeFile(w.config, fmt.Sprintf(`keyring:
  backend: secret-service
defaults:
  region: eu-west-1
profiles:
  assume-test:
    source: %[1]s
    role_arn: arn:aws:iam::%[2]s:role/spin_role-test
  boot:
    source: %[1]s
endpoints:
  sts: %[3]s
`, w.keySet, account, w.url))
	w.addKeys()

	env := w.run("", "export", "assume-test", "--format", "env")
	if !strings.Contains(env, "export AWS_SESSION_TOKEN=") || !strings.Contains(env, "export AWS_REGION='eu-west-1'") {
		t.Fatalf("env output:\n%s", env)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// AWS_PROFILE points at a profile that does not exist: eval must clear
	// it, or the CLI would fail on it.
	cmd := w.command(ctx, "/bin/sh", "-c", `eval "$(spin export assume-test)" && exec `+awsCLI+` sts get-caller-identity --endpoint-url "$EMU" --output json`)
	cmd.Env = append(cmd.Env, "EMU="+w.url, "AWS_PROFILE=nonexistent", "PATH="+filepath.Dir(w.spin)+":"+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("eval + aws: %v\n%s", err, out)
	}
	var id struct{ Arn string }
	if err := json.Unmarshal(out, &id); err != nil || id.Arn != wantAssumedARN("spin-"+currentUser(t)) {
		t.Errorf("aws after eval: %s (%v), want %s", out, err, wantAssumedARN("spin-"+currentUser(t)))
	}

	js := w.run("", "export", "assume-test", "--format", "json")
	helperOut, e, err := w.helper("assume-test")
	if err != nil {
		t.Fatalf("helper: %v %s", err, e)
	}
	if js != helperOut {
		t.Errorf("export --format json\n%s\nwant the helper's\n%s", js, helperOut)
	}
	if n := w.emu.Calls("AssumeRole"); n != 1 {
		t.Errorf("%d AssumeRole calls, want 1: export serves the same cached session", n)
	}

	_, stderr, err := w.try("", "export", "boot")
	if err == nil || !strings.Contains(stderr, "spin keys allow-export "+w.keySet) || strings.Contains(stderr, testSecret) {
		t.Errorf("export of a bootstrap profile without the grant: %v\n%s", err, stderr)
	}
	w.run(testSecret+"\n", "keys", "allow-export", w.keySet, "--stdin")
	if ini := w.run("", "export", "boot", "--format", "ini"); !strings.Contains(ini, "aws_access_key_id = "+testKeyID) {
		t.Errorf("ini export with the grant:\n%s", ini)
	}
	if _, stderr, err := w.try("", "export", "assume-test", "--format", "yaml"); err == nil || !strings.Contains(stderr, "env, json, ini, powershell") {
		t.Errorf("unknown format: %v\n%s", err, stderr)
	}
}
