package stackrun

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudspin/spin/profiles"
)

var examples = filepath.Join("..", "examples")

// tofu runs the real binary in dir with a clean CLI config.
func tofu(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(tofuBinary(t), args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TF_CLI_CONFIG_FILE=", "TF_IN_AUTOMATION=1"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("tofu %v in %s: %v\n%s", args, dir, err, out)
	}
	return string(out)
}

// Both examples are formatted, which also means they parse; 00-iam-roles
// cannot be validated offline (its AWS provider would be downloaded).
func TestExamplesFormatted(t *testing.T) {
	for _, ex := range []string{"00-iam-roles", "offline-demo"} {
		tofu(t, filepath.Join(examples, ex), "fmt", "-check", "-diff", "-recursive")
	}
}

// The offline demo needs no provider, so it validates fully offline.
func TestOfflineDemoValidates(t *testing.T) {
	tofuBinary(t)
	dir := filepath.Join(t.TempDir(), "offline-demo")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(examples, "offline-demo"))); err != nil {
		t.Fatal(err)
	}
	tofu(t, dir, "init", "-backend=false", "-input=false", "-no-color")
	if out := tofu(t, dir, "validate", "-no-color"); !strings.Contains(out, "The configuration is valid") {
		t.Errorf("validate: %s", out)
	}
}

const demoSpin = `profiles:
  assume-cloudspin_examples-account:
    source: cloudspin_user
    role_arn: arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-account
  bootstrap:
    source: bootstrap_admin
`

func TestOfflineDemoConfig(t *testing.T) {
	dir, _, _ := copyExample(t, "offline-demo")
	c, err := Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	spin, err := profiles.Parse("config.yaml", []byte(demoSpin))
	if err != nil {
		t.Fatal(err)
	}
	inv, err := Prepare(c, spin, Host{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"bucket=spin-demo-state", "key=offline-demo/demo.tfstate", "region=us-east-1",
		"profile=assume-cloudspin_examples-account", "use_path_style=true", "skip_credentials_validation=true",
		"skip_region_validation=true", "skip_requesting_account_id=true", "skip_metadata_api_check=true", "skip_s3_checksum=true",
		`endpoints={s3="http://127.0.0.1:45678",sts="http://127.0.0.1:45678"}`, "use_lockfile=true"}
	if diff := cmp.Diff(want, inv.BackendConfig); diff != "" {
		t.Errorf("backend config (-want +got):\n%s", diff)
	}
	if inv.Env["AWS_PROFILE"] != "assume-cloudspin_examples-account" || inv.Env["SPIN_SESSION_NAME"] != "offline-demo-demo" {
		t.Errorf("env: %v", inv.Env)
	}
}

// Copied as is, the walkthrough's example stops at its placeholders;
// filled in, it maps to the bootstrap profile.
func TestIAMRolesExampleConfig(t *testing.T) {
	dir, local, example := copyExample(t, "00-iam-roles")
	_, err := Load(dir, "")
	want := local + `:6:11: bucket "statebucket-cloudspin-examples-XXXXXXXXXXXX" in terraform_backend still holds the placeholder XXXXXXXXXXXX: put your state bucket's name`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	filled := strings.ReplaceAll(string(example), "XXXXXXXXXXXX", "123456789012")
	if err := os.WriteFile(local, []byte(filled), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	spin, err := profiles.Parse("config.yaml", []byte(demoSpin))
	if err != nil {
		t.Fatal(err)
	}
	inv, err := Prepare(c, spin, Host{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if inv.Credentials.Backend != "bootstrap" || inv.Credentials.Providers != "bootstrap" || inv.Config.Backend.Key != "00-iam-roles/YOURNAME_sandbox.tfstate" {
		t.Errorf("credentials %+v, key %s", inv.Credentials, inv.Config.Backend.Key)
	}
	if string(inv.VarFile) != "{\n  \"api_user\": \"cloudspin_user\"\n}\n" {
		t.Errorf("var-file %s", inv.VarFile)
	}
}

// copyExample copies examples/NAME into a temp dir and makes its
// stack-instance-local-example.yaml the local file, as a user would.
func copyExample(t *testing.T, name string) (dir, local string, example []byte) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), name)
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(examples, name))); err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile(filepath.Join(dir, ExampleFile))
	if err != nil {
		t.Fatal(err)
	}
	local = filepath.Join(dir, LocalFile)
	if err := os.WriteFile(local, example, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, local, example
}
