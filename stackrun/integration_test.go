package stackrun

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudspin/spin/profiles"
)

// tofuBinary returns the OpenTofu that scripts/install-tofu.sh builds, or
// skips the test.
func tofuBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: no real tofu")
	}
	p, err := filepath.Abs(filepath.Join("..", ".tools", "bin", "tofu"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Skipf("no %s: run scripts/install-tofu.sh", p)
	}
	return p
}

// copyStack copies testdata/local-stack into a temp dir and adds a local
// file with the test's own settings.
func copyStack(t *testing.T, local string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "local-stack")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "local-stack"))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, LocalFile), []byte(local), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// realRunner prepares the stack with no spin profiles (nothing to check
// with spind) and a parent environment full of things tofu must not get.
func realRunner(t *testing.T, dir string) (*Runner, *bytes.Buffer) {
	t.Helper()
	c, err := Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	spin, err := profiles.Parse("config.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	env := map[string]string{
		"PATH": os.Getenv("PATH"), "HOME": home, "LANG": "C.UTF-8",
		"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "long-term-secret",
		"AWS_SESSION_TOKEN": "token", "SPIN_KEYRING_PASSPHRASE": "passphrase", "TF_VAR_greeting": "injected",
	}
	inv, err := Prepare(c, spin, Host{Getenv: func(k string) string { return env[k] }, Socket: "/run/spin.sock"})
	if err != nil {
		t.Fatal(err)
	}
	tf, err := NewTerraform(c, tofuBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	return &Runner{TF: tf, Inv: inv, Stdout: &out, Stderr: &out, TempDir: t.TempDir()}, &out
}

func TestRealTofu(t *testing.T) {
	tofuBinary(t)
	envFile := filepath.Join(t.TempDir(), "env")
	dir := copyStack(t, "parameters: {env_file: "+envFile+"}\n")
	ctx := context.Background()

	r, out := realRunner(t, dir)
	changes, err := r.Plan(ctx)
	if err != nil || !changes {
		t.Fatalf("first plan: changes %v, %v\n%s", changes, err, out)
	}
	if !strings.Contains(out.String(), "OpenTofu has been successfully initialized") {
		t.Errorf("first run did not init:\n%s", out)
	}
	r, out = realRunner(t, dir)
	if err := r.Up(ctx, true); err != nil {
		t.Fatalf("up: %v\n%s", err, out)
	}
	if strings.Contains(out.String(), "initialized") {
		t.Errorf("up ran init again though the backend config did not change:\n%s", out)
	}
	outputs, err := r.Output(ctx)
	if err != nil || string(outputs["greeting"].Value) != `"hello"` {
		t.Fatalf("output: %v, %v", outputs, err)
	}
	r, out = realRunner(t, dir)
	if changes, err := r.Plan(ctx); err != nil || changes {
		t.Fatalf("plan after up: changes %v, %v\n%s", changes, err, out)
	}

	// What tofu's children saw: spin's map, and what terraform-exec adds.
	data, err := os.ReadFile(envFile)
	if err != nil {
		t.Fatal(err)
	}
	allowed := []string{"CHECKPOINT_DISABLE", "TF_APPEND_USER_AGENT", "TF_IN_AUTOMATION", "TF_LOG", "TF_LOG_CORE",
		"TF_LOG_PATH", "TF_LOG_PROVIDER", "ENV_FILE", "SLEEP", "PWD", "SHLVL", "_"}
	for _, kv := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		k, v, _ := strings.Cut(kv, "=")
		if _, ok := r.Inv.Env[k]; !ok && !slices.Contains(allowed, k) {
			t.Errorf("the provisioner's environment holds %s", k)
		}
		for _, secret := range []string{"long-term-secret", "passphrase", "injected"} {
			if strings.Contains(v, secret) {
				t.Errorf("the provisioner's environment holds %q in %s", secret, k)
			}
		}
	}
	if !strings.Contains(string(data), "SPIN_SESSION_NAME=local-stack-test\n") {
		t.Errorf("no SPIN_SESSION_NAME in the provisioner's environment:\n%s", data)
	}

	r, out = realRunner(t, dir)
	if err := r.Down(ctx, true); err != nil {
		t.Fatalf("down: %v\n%s", err, out)
	}
	if changes, err := r.Plan(ctx); err != nil || !changes {
		t.Fatalf("plan after down: changes %v, %v", changes, err)
	}
}

// Ctrl-C cancels the context; tofu gets SIGINT, stops, and releases the
// state lock, and spin says it was interrupted.
func TestRealTofuInterrupt(t *testing.T) {
	tofuBinary(t)
	envFile := filepath.Join(t.TempDir(), "env")
	dir := copyStack(t, "parameters: {env_file: "+envFile+", sleep_seconds: 60}\n")
	r, out := realRunner(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for ctx.Err() == nil { // cancel once the provisioner runs
			if _, err := os.Stat(envFile); err == nil {
				cancel()
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	start := time.Now()
	err := r.Up(ctx, true)
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("got %v, want ErrInterrupted\n%s", err, out)
	}
	if d := time.Since(start); d > 45*time.Second {
		t.Errorf("interrupt took %s", d)
	}
	if _, err := os.Stat(filepath.Join(dir, ".terraform.tfstate.lock.info")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state lock left behind: %v", err)
	}
	// The lock is free: another run can take it.
	r, out = realRunner(t, dir)
	r.Inv.Config.Parameters["sleep_seconds"] = 0
	if r.Inv.VarFile, err = VarFile(r.Inv.Config); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Plan(context.Background()); err != nil {
		t.Fatalf("plan after the interrupt: %v\n%s", err, out)
	}
}
