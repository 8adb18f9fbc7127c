package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeTofu stands in for tofu: it logs its arguments and environment in
// the stack folder (its working dir), and plan exits with the code in
// plan-exit.
const fakeTofu = `#!/bin/sh
echo "$1" >> calls
env > "env-$1"
case "$1" in
version) echo '{"terraform_version":"1.10.6","platform":"linux_amd64","provider_selections":{}}' ;;
plan) echo "fake plan"; exit "$(cat plan-exit 2>/dev/null || echo 0)" ;;
output) echo '{"greeting":{"sensitive":false,"type":"string","value":"hello"},"token":{"sensitive":true,"type":"string","value":"x"}}' ;;
esac
`

// stackWorld is a stack folder, spin's config.yaml and a fake tofu.
type stackWorld struct {
	dir, tofu string
	env       map[string]string
}

func newStackWorld(t *testing.T, instance string) *stackWorld {
	t.Helper()
	root := t.TempDir()
	w := &stackWorld{dir: filepath.Join(root, "demo"), tofu: filepath.Join(root, "bin", "tofu")}
	w.env = map[string]string{
		"PATH": "/usr/bin:/bin", "HOME": root, "SPIN_CONFIG": filepath.Join(root, "spin.yaml"),
		"SPIN_SOCKET": filepath.Join(root, "spin.sock"), "AWS_SECRET_ACCESS_KEY": "long-term-secret",
		"SPIN_KEYRING_PASSPHRASE": "passphrase",
	}
	for path, data := range map[string]string{
		filepath.Join(w.dir, "stack-instance-defaults.yaml"): instance,
		w.env["SPIN_CONFIG"]: "profiles:\n  bootstrap: {source: admin}\n",
		w.tofu:               fakeTofu,
	} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *stackWorld) spin(args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	e := &env{getenv: func(k string) string { return w.env[k] }, stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		tty: func() (*os.File, error) { return nil, errors.New("no tty in tests") }}
	code = run(context.Background(), args, e)
	return out.String(), errb.String(), code
}

func (w *stackWorld) calls(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(w.dir, "calls"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(data))
}

const localStack = "instance: {group: test}\nparameters: {greeting: hello}\n"

func TestPlanDetailedExitcode(t *testing.T) {
	for _, tc := range []struct {
		planExit string
		flags    []string
		want     int
	}{
		{"0", []string{"--detailed-exitcode"}, 0},
		{"2", []string{"--detailed-exitcode"}, 2},
		{"2", nil, 0},
		{"1", []string{"--detailed-exitcode"}, 1},
	} {
		w := newStackWorld(t, localStack)
		if err := os.WriteFile(filepath.Join(w.dir, "plan-exit"), []byte(tc.planExit), 0o644); err != nil {
			t.Fatal(err)
		}
		_, stderr, code := w.spin(append([]string{"plan", w.dir, "--tofu", w.tofu}, tc.flags...)...)
		if code != tc.want {
			t.Errorf("plan exit %s %v: got code %d, want %d\n%s", tc.planExit, tc.flags, code, tc.want, stderr)
		}
		if tc.want == 1 && stderr != "spin: tofu plan failed (exit status 1); its messages are above\n" {
			t.Errorf("stderr: %q", stderr)
		}
	}
}

func TestUpOutputDown(t *testing.T) {
	w := newStackWorld(t, localStack)
	stdout, stderr, code := w.spin("up", w.dir, "--tofu", w.tofu)
	if code != 1 || stdout != "" || stderr != "spin: spin up asks before changing anything, and there is no terminal to ask on\n"+
		"spin: hint: review the changes with 'spin plan', then run 'spin up --auto-approve'\n" {
		t.Errorf("up without a terminal: %d %q %q", code, stdout, stderr)
	}
	if c := w.calls(t); c != nil {
		t.Errorf("tofu ran without approval: %v", c)
	}
	os.WriteFile(filepath.Join(w.dir, "plan-exit"), []byte("2"), 0o644)
	if stdout, stderr, code = w.spin("up", w.dir, "--tofu", w.tofu, "--auto-approve"); code != 0 || !strings.Contains(stdout, "fake plan") {
		t.Fatalf("up: %d %q %q", code, stdout, stderr)
	}
	if stdout, _, code = w.spin("output", w.dir, "--tofu", w.tofu); code != 0 || stdout != "greeting = \"hello\"\ntoken = <sensitive>\n" {
		t.Errorf("output: %d %q", code, stdout)
	}
	if stdout, _, code = w.spin("output", w.dir, "--tofu", w.tofu, "--json"); code != 0 || !strings.Contains(stdout, `"sensitive": true`) {
		t.Errorf("output --json: %d %q", code, stdout)
	}
	if _, stderr, code = w.spin("down", w.dir, "--tofu", w.tofu, "--auto-approve"); code != 0 {
		t.Fatalf("down: %d %q", code, stderr)
	}
	// tofu version comes from terraform-exec's compatibility check in init.
	want := []string{"version", "init", "plan", "apply", "output", "output", "destroy"}
	if diff := cmp.Diff(want, w.calls(t)); diff != "" {
		t.Errorf("tofu calls (-want +got):\n%s", diff)
	}
	for _, cmd := range []string{"init", "plan", "apply", "destroy"} {
		data, err := os.ReadFile(filepath.Join(w.dir, "env-"+cmd))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"long-term-secret", "passphrase", "SPIN_KEYRING_PASSPHRASE", "AWS_SECRET_ACCESS_KEY"} {
			if strings.Contains(string(data), s) {
				t.Errorf("tofu %s got %s in its environment", cmd, s)
			}
		}
		if !strings.Contains(string(data), "SPIN_SESSION_NAME=demo-test\n") {
			t.Errorf("tofu %s lacks SPIN_SESSION_NAME:\n%s", cmd, data)
		}
	}
}

func TestStackErrors(t *testing.T) {
	w := newStackWorld(t, localStack)
	missing := filepath.Join(w.dir, "nope")
	arnStack := "instance: {group: test}\nresources:\n  assume_role_arn: arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-account\n"
	cases := []struct {
		name, instance string
		args           []string
		env            map[string]string
		want           string
	}{
		{"missing folder", "", []string{"plan", missing}, nil,
			"spin: stack folder " + missing + " does not exist\nspin: hint: run spin in a stack folder, or name one: spin plan examples/00-iam-roles\n"},
		{"two config errors", "instance: {grup: g}\nresources: {region: 1}\n", []string{"plan", "DIR"}, nil,
			"spin: DIR/stack-instance-defaults.yaml:1:12: unknown key \"grup\" in instance (known: group); did you mean \"group\"?\n" +
				"spin: DIR/stack-instance-defaults.yaml:2:21: region in resources must be a string, got a number (quote it: \"1\")\n"},
		{"ARN no profile defines", arnStack, []string{"plan", "DIR", "--show-config"}, nil,
			"spin: resources.assume_role_arn arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-account (DIR/stack-instance-defaults.yaml:3:20) is not the role_arn of any profile in SPINCONFIG\n" +
				"spin: hint: add it to SPINCONFIG, then run 'spin profiles write':\n  profiles:\n    assume-cloudspin_examples-account:\n" +
				"      source: YOUR_KEY_SET             # the name you gave 'spin keys add'\n      role_arn: arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-account\n"},
		{"no binary", localStack, []string{"plan", "DIR"}, map[string]string{"PATH": "/nonexistent"},
			"spin: neither tofu nor terraform is on PATH\nspin: hint: install OpenTofu (https://opentofu.org/docs/intro/install/), or in spin's source tree " +
				"run scripts/install-tofu.sh, which builds it into .tools/bin; or name a binary with --tofu PATH or SPIN_TF_BINARY\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newStackWorld(t, tc.instance)
			for k, v := range tc.env {
				w.env[k] = v
			}
			args := make([]string, len(tc.args))
			for i, a := range tc.args {
				args[i] = strings.ReplaceAll(a, "DIR", w.dir)
			}
			_, stderr, code := w.spin(args...)
			want := strings.NewReplacer("DIR", w.dir, "SPINCONFIG", w.env["SPIN_CONFIG"]).Replace(tc.want)
			if code != 1 || stderr != want {
				t.Errorf("code %d, stderr:\n%s\nwant:\n%s", code, stderr, want)
			}
		})
	}
}

func TestShowConfig(t *testing.T) {
	w := newStackWorld(t, localStack+"resources: {aws_profile: bootstrap}\n")
	stdout, stderr, code := w.spin("plan", w.dir, "--show-config")
	if code != 0 {
		t.Fatalf("code %d: %s", code, stderr)
	}
	for _, s := range []string{
		"  group: test             # stack-instance-defaults.yaml:1:19\n",
		"#   profile bootstrap (from resources.aws_profile)\n",
		"#   env AWS_PROFILE=bootstrap\n",
		"#   env SPIN_SOCKET=" + w.env["SPIN_SOCKET"] + "\n",
	} {
		if !strings.Contains(stdout, s) {
			t.Errorf("--show-config lacks %q:\n%s", s, stdout)
		}
	}
	if strings.Contains(stdout, "long-term-secret") || w.calls(t) != nil {
		t.Errorf("--show-config leaked a secret or ran tofu:\n%s", stdout)
	}
}

// With real OpenTofu (scripts/install-tofu.sh): the walkthrough's check
// that a plan after up shows no changes, as exit codes.
func TestRealTofuPlanExitCodes(t *testing.T) {
	tofu, err := filepath.Abs(filepath.Join("..", "..", ".tools", "bin", "tofu"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tofu); testing.Short() || err != nil {
		t.Skipf("needs %s and no -short", tofu)
	}
	w := newStackWorld(t, localStack)
	hcl := "variable \"greeting\" {}\n\nresource \"terraform_data\" \"x\" {\n  input = var.greeting\n}\n"
	if err := os.WriteFile(filepath.Join(w.dir, "main.tf"), []byte(hcl), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		args []string
		want int
	}{
		{[]string{"plan", "--detailed-exitcode"}, 2},
		{[]string{"up", "--auto-approve"}, 0},
		{[]string{"plan", "--detailed-exitcode"}, 0},
		{[]string{"down", "--auto-approve"}, 0},
		{[]string{"plan", "--detailed-exitcode"}, 2},
	} {
		stdout, stderr, code := w.spin(append(step.args, w.dir, "--tofu", tofu)...)
		if code != step.want {
			t.Fatalf("spin %v: code %d, want %d\n%s%s", step.args, code, step.want, stdout, stderr)
		}
	}
}

// Help texts lead with examples.
func TestStackHelp(t *testing.T) {
	w := newStackWorld(t, localStack)
	for _, cmd := range []string{"plan", "up", "down", "output"} {
		stdout, _, code := w.spin(cmd, "--help")
		if code != 0 || !strings.HasPrefix(stdout, "  spin "+cmd) {
			t.Errorf("spin %s --help does not start with an example:\n%s", cmd, stdout)
		}
	}
}
