package awsemu

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// awsCLI is Debian's AWS CLI v2 (botocore signs differently from the Go
// SDK). The absolute path matters: a v1 CLI on PATH behaves differently.
const awsCLI = "/usr/bin/aws"

func TestAWSCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the AWS CLI; skipped with -short")
	}
	if _, err := os.Stat(awsCLI); err != nil {
		t.Skipf("%s not installed", awsCLI)
	}
	f := newFixture(t)
	home := t.TempDir()
	for _, name := range []string{"config", "credentials"} {
		if err := os.WriteFile(filepath.Join(home, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// An explicit environment: nothing of the developer's AWS setup leaks in.
	base := []string{
		"HOME=" + home, "PATH=/usr/bin:/bin", "LANG=C.UTF-8",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
		"AWS_REGION=eu-west-1", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=",
	}
	aws := func(t *testing.T, id, secret, token string, args ...string) (map[string]any, string, error) {
		t.Helper()
		env := slices.Concat(base, []string{"AWS_ACCESS_KEY_ID=" + id, "AWS_SECRET_ACCESS_KEY=" + secret})
		if token != "" {
			env = append(env, "AWS_SESSION_TOKEN="+token)
		}
		cmd := exec.CommandContext(t.Context(), awsCLI, append(args, "--endpoint-url", f.url, "--output", "json")...)
		cmd.Env = env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			return nil, stderr.String(), err
		}
		var out map[string]any
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
			t.Fatalf("aws %s: output %q: %v", args, stdout.String(), err)
		}
		return out, stderr.String(), nil
	}

	out, stderr, err := aws(t, alice.AccessKeyID, alice.SecretAccessKey, "", "sts", "get-caller-identity")
	if err != nil {
		t.Fatalf("aws sts get-caller-identity: %v\n%s", err, stderr)
	}
	if got, want := out["Arn"], "arn:aws:iam::111122223333:user/alice"; got != want {
		t.Errorf("got Arn %v, want %q", got, want)
	}

	out, stderr, err = aws(t, alice.AccessKeyID, alice.SecretAccessKey, "", "sts", "assume-role",
		"--role-arn", roleARN, "--role-session-name", "cli", "--duration-seconds", "900")
	if err != nil {
		t.Fatalf("aws sts assume-role: %v\n%s", err, stderr)
	}
	creds, _ := out["Credentials"].(map[string]any)
	id, _ := creds["AccessKeyId"].(string)
	secret, _ := creds["SecretAccessKey"].(string)
	token, _ := creds["SessionToken"].(string)
	out, stderr, err = aws(t, id, secret, token, "sts", "get-caller-identity")
	if err != nil {
		t.Fatalf("aws sts get-caller-identity with assumed-role credentials: %v\n%s", err, stderr)
	}
	if got, want := out["Arn"], "arn:aws:sts::444455556666:assumed-role/spin_role-examples/cli"; got != want {
		t.Errorf("got Arn %v, want %q", got, want)
	}

	_, stderr, err = aws(t, alice.AccessKeyID, "wrong"+alice.SecretAccessKey, "", "sts", "get-caller-identity")
	if err == nil || !strings.Contains(stderr, "SignatureDoesNotMatch") {
		t.Errorf("wrong secret: got %v, stderr %q, want a SignatureDoesNotMatch failure", err, stderr)
	}
}
