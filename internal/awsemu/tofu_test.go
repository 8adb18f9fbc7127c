package awsemu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// tofuStack is a stack that needs no provider download, with the s3
// backend settings that work against the emulator (%[1]s: bucket, %[2]s:
// key, %[3]s: endpoint).
const tofuStack = `terraform {
  backend "s3" {
    bucket = "%[1]s"
    key    = "%[2]s"
    region = "eu-west-1"

    endpoints = {
      s3  = "%[3]s"
      sts = "%[3]s"
    }
    use_path_style = true
    use_lockfile   = true

    skip_credentials_validation = true
    skip_region_validation      = true
    skip_requesting_account_id  = true
    skip_metadata_api_check     = true
    skip_s3_checksum            = true
  }
}

resource "terraform_data" "greeting" {
  input = "hello from spin"
}

output "greeting" {
  value = terraform_data.greeting.output
}
`

// repoRoot finds the module root above the test's working directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's working directory")
		}
		dir = parent
	}
}

// TestTofuS3Backend runs the real OpenTofu binary with its s3 backend on
// the emulator, with session credentials from the emulator's AssumeRole:
// the state lands in the bucket, the lock file is taken and released, and
// a second plan reads the state back and finds nothing to do.
func TestTofuS3Backend(t *testing.T) {
	if testing.Short() {
		t.Skip("runs OpenTofu; skipped with -short")
	}
	tofu := filepath.Join(repoRoot(t), ".tools", "bin", "tofu")
	if _, err := os.Stat(tofu); err != nil {
		t.Skipf("%s is missing: run scripts/install-tofu.sh", tofu)
	}
	f := newFixture(t)
	const key = "offline/test-group.tfstate"
	if err := f.emu.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	stack := fmt.Sprintf(tofuStack, bucket, key, f.url)
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(stack), 0o600); err != nil {
		t.Fatal(err)
	}
	sess := f.session(t, 900)
	env := []string{
		"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(),
		"TF_CLI_CONFIG_FILE=", // the image points it at a missing file
		"TF_IN_AUTOMATION=1",
		"AWS_ACCESS_KEY_ID=" + sess.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + sess.SecretAccessKey,
		"AWS_SESSION_TOKEN=" + sess.SessionToken,
	}
	run := func(t *testing.T, args ...string) (int, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, tofu, args...)
		cmd.Dir, cmd.Env = dir, env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		err := cmd.Run()
		t.Logf("tofu %s: %v", args[0], time.Since(start).Round(time.Millisecond))
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), out.String()
		}
		if err != nil {
			t.Fatalf("tofu %s: %v", args[0], err)
		}
		return 0, out.String()
	}

	if code, out := run(t, "init", "-input=false", "-no-color"); code != 0 {
		t.Fatalf("tofu init: exit %d\n%s", code, out)
	}
	if code, out := run(t, "apply", "-auto-approve", "-input=false", "-no-color"); code != 0 {
		t.Fatalf("tofu apply: exit %d\n%s", code, out)
	}
	state, err := f.emu.Object(bucket, key)
	if err != nil {
		t.Fatalf("state object: %v", err)
	}
	var doc struct {
		Resources []struct{ Type, Name string }
	}
	if err := json.Unmarshal(state, &doc); err != nil {
		t.Fatalf("state object: %v\n%s", err, state)
	}
	if len(doc.Resources) != 1 || doc.Resources[0].Type != "terraform_data" || doc.Resources[0].Name != "greeting" {
		t.Errorf("state holds resources %+v, want terraform_data.greeting:\n%s", doc.Resources, state)
	}
	if keys, err := f.emu.ObjectKeys(bucket); err != nil || !slices.Equal(keys, []string{key}) {
		t.Errorf("bucket holds %q (%v), want only the state (the lock file released)", keys, err)
	}
	if code, out := run(t, "plan", "-detailed-exitcode", "-input=false", "-no-color"); code != 0 {
		t.Errorf("tofu plan after apply: exit %d, want 0 (no changes)\n%s", code, out)
	}

	// Each apply and plan takes the lock with a conditional put and
	// deletes it; the apply writes the state.
	if got := f.emu.Calls("s3:PutObject"); got < 3 {
		t.Errorf("Calls(s3:PutObject): got %d, want at least 3 (lock, state, lock)", got)
	}
	if got := f.emu.Calls("s3:DeleteObject"); got < 2 {
		t.Errorf("Calls(s3:DeleteObject): got %d, want at least 2 (the locks)", got)
	}
	for _, code := range []string{"SignatureDoesNotMatch", "ExpiredToken", "InvalidAccessKeyId", "InvalidToken", "AccessDenied"} {
		if n := f.emu.Rejections(code); n != 0 {
			t.Errorf("Rejections(%s): got %d, want 0", code, n)
		}
	}
	if strings.Contains(string(state), sess.SecretAccessKey) {
		t.Error("the state holds the session secret")
	}
}
