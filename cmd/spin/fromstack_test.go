package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudspin/spin/profiles"
)

// outputsTofu is a fake tofu whose `output -json` prints the stack
// folder's outputs.json.
const outputsTofu = `#!/bin/sh
case "$1" in
version) echo '{"terraform_version":"1.10.6","platform":"linux_amd64","provider_selections":{}}' ;;
output) cat outputs.json ;;
esac
`

const (
	roleBase    = "arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-"
	roleOutputs = `{"account_role_arn":{"sensitive":false,"type":"string","value":"` + roleBase + `account"},
"delivery_role_arn":{"sensitive":false,"type":"string","value":"` + roleBase + `delivery"},
"empty_role_arn":{"sensitive":false,"type":"string","value":null},
"bucket":{"sensitive":false,"type":"string","value":"statebucket"}}`
	apiUserStack = "instance: {group: test}\nparameters: {api_user: cloudspin_user}\n"
)

// newFromStackWorld is a stack folder whose fake tofu outputs outputs,
// spin's config.yaml holding spinConfig, and a HOME for ~/.aws/config.
func newFromStackWorld(t *testing.T, instance, outputs, spinConfig string) *stackWorld {
	t.Helper()
	w := newStackWorld(t, instance)
	w.env["SPIN_TF_BINARY"] = w.tofu
	for path, data := range map[string]string{w.tofu: outputsTofu, filepath.Join(w.dir, "outputs.json"): outputs, w.env["SPIN_CONFIG"]: spinConfig} {
		if err := os.WriteFile(path, []byte(data), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *stackWorld) awsConfig() string { return filepath.Join(w.env["HOME"], ".aws", "config") }

// snapshot reads config.yaml and ~/.aws/config ("" for a missing file).
func (w *stackWorld) snapshot() [2]string {
	var s [2]string
	for i, p := range []string{w.env["SPIN_CONFIG"], w.awsConfig()} {
		data, _ := os.ReadFile(p)
		s[i] = string(data)
	}
	return s
}

func TestProfilesWriteFromStack(t *testing.T) {
	w := newFromStackWorld(t, apiUserStack, roleOutputs, "profiles:\n  bootstrap: {source: admin}\n")
	cfg := w.env["SPIN_CONFIG"]
	stdout, stderr, code := w.spin("profiles", "write", "--from-stack", w.dir)
	if code != 0 {
		t.Fatalf("write: code %d\n%s", code, stderr)
	}
	for _, want := range []string{
		"added profile assume-cloudspin_examples-account to " + cfg + " (role_arn " + roleBase + "account, source cloudspin_user)\n" +
			"added profile assume-cloudspin_examples-delivery to " + cfg + " (role_arn " + roleBase + "delivery, source cloudspin_user)\n",
		"added profile assume-cloudspin_examples-delivery\n", // ~/.aws/config, as spin profiles write says it
		"wrote " + w.awsConfig() + "\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "spin: warning: skipped output empty_role_arn is null\n") {
		t.Errorf("stderr lacks the skipped output:\n%s", stderr)
	}
	c, err := profiles.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"account", "delivery"} {
		p := c.Profiles["assume-cloudspin_examples-"+key]
		if p.RoleARN != roleBase+key || p.Source != "cloudspin_user" {
			t.Errorf("config.yaml profile for %s = %+v", key, p)
		}
	}
	aws := w.snapshot()[1]
	for _, want := range []string{"[profile assume-cloudspin_examples-account]\n" + profiles.Marker, "[profile assume-cloudspin_examples-delivery]\n" + profiles.Marker} {
		if !strings.Contains(aws, want) {
			t.Errorf("~/.aws/config lacks %q:\n%s", want, aws)
		}
	}

	before := w.snapshot()
	stdout, stderr, code = w.spin("profiles", "write", "--from-stack", w.dir)
	want := "unchanged profile assume-cloudspin_examples-account in " + cfg + "\nunchanged profile assume-cloudspin_examples-delivery in " + cfg +
		"\n" + w.awsConfig() + " is up to date (3 spin profiles)\n"
	if code != 0 || stdout != want {
		t.Errorf("second write: code %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", code, stdout, want, stderr)
	}
	if w.snapshot() != before {
		t.Errorf("second write changed the files")
	}
	if stdout, _, _ := w.spin("profiles", "diff", "--from-stack", w.dir); stdout != "" {
		t.Errorf("diff after write: %q, want nothing", stdout)
	}
}

func TestProfilesDiffFromStack(t *testing.T) {
	w := newFromStackWorld(t, apiUserStack, roleOutputs, "# mine\nprofiles:\n  bootstrap:\n    source: admin\n")
	before := w.snapshot()
	stdout, stderr, code := w.spin("profiles", "diff", "--from-stack", w.dir)
	if code != 0 {
		t.Fatalf("diff: code %d\n%s", code, stderr)
	}
	cfg, aws := w.env["SPIN_CONFIG"], w.awsConfig()
	yamlPart, awsPart, ok := strings.Cut(stdout, "--- "+aws)
	if !ok || !strings.HasPrefix(yamlPart, "--- "+cfg+"\n+++ "+cfg+" (after spin profiles write)\n") {
		t.Fatalf("want the config.yaml diff, then the ~/.aws/config one:\n%s", stdout)
	}
	for _, want := range []string{"   bootstrap:\n", "+  assume-cloudspin_examples-delivery:\n+    source: cloudspin_user\n+    role_arn: " + roleBase + "delivery\n"} {
		if !strings.Contains(yamlPart, want) {
			t.Errorf("config.yaml diff lacks %q:\n%s", want, yamlPart)
		}
	}
	for _, want := range []string{"+[profile assume-cloudspin_examples-account]\n", "+[profile assume-cloudspin_examples-delivery]\n", "+[profile bootstrap]\n"} {
		if !strings.Contains(awsPart, want) {
			t.Errorf("~/.aws/config diff lacks %q:\n%s", want, awsPart)
		}
	}
	if w.snapshot() != before {
		t.Errorf("diff wrote a file")
	}
	if _, err := os.Stat(filepath.Dir(aws)); err == nil {
		t.Errorf("diff created %s", filepath.Dir(aws))
	}

	stdout, _, code = w.spin("profiles", "write", "--dry-run", "--from-stack", w.dir)
	if code != 0 || !strings.Contains(stdout, "would add profile assume-cloudspin_examples-account to "+cfg) ||
		!strings.Contains(stdout, "would add profile assume-cloudspin_examples-delivery\n") || w.snapshot() != before {
		t.Errorf("dry run: code %d, files changed %v:\n%s", code, w.snapshot() != before, stdout)
	}
}

func TestProfilesFromStackConflicts(t *testing.T) {
	const old = "arn:aws:iam::123456789012:role/old-delivery"
	spinConfig := "profiles:\n  assume-cloudspin_examples-delivery:\n    source: cloudspin_user\n    role_arn: " + old + "\n    region: us-east-1\n"
	w := newFromStackWorld(t, apiUserStack, roleOutputs, spinConfig)
	cfg := w.env["SPIN_CONFIG"]
	before := w.snapshot()
	_, stderr, code := w.spin("profiles", "write", "--from-stack", w.dir)
	want := "spin: " + cfg + ": profile assume-cloudspin_examples-delivery has role_arn " + old + ", but output delivery_role_arn is " + roleBase + "delivery\n" +
		"spin: hint: add --force to update them, or choose other names with --name-template (nothing was changed)\n"
	if code != 1 || !strings.HasSuffix(stderr, want) {
		t.Errorf("conflict: code %d, stderr:\n%s\nwant it to end in:\n%s", code, stderr, want)
	}
	if w.snapshot() != before {
		t.Errorf("a refused write changed the files")
	}

	// An unmanaged ~/.aws/config profile of a new name stops the write
	// before config.yaml changes.
	if err := os.MkdirAll(filepath.Dir(w.awsConfig()), 0o700); err != nil {
		t.Fatal(err)
	}
	mine := "[profile new-account]\nregion = eu-west-1\n"
	if err := os.WriteFile(w.awsConfig(), []byte(mine), 0o600); err != nil {
		t.Fatal(err)
	}
	before = w.snapshot()
	_, stderr, code = w.spin("profiles", "write", "--from-stack", w.dir, "--name-template", "new-{{output}}")
	if code != 1 || !strings.Contains(stderr, "is not managed by spin") || w.snapshot() != before {
		t.Errorf("unmanaged profile: code %d, files changed %v, stderr:\n%s", code, w.snapshot() != before, stderr)
	}

	stdout, stderr, code := w.spin("profiles", "write", "--from-stack", w.dir, "--force")
	if code != 0 || !strings.Contains(stdout, "updated profile assume-cloudspin_examples-delivery in "+cfg+" (role_arn "+old+" -> "+roleBase+"delivery)\n") {
		t.Fatalf("--force: code %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	c, err := profiles.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Profiles["assume-cloudspin_examples-delivery"]; p.RoleARN != roleBase+"delivery" || p.Region != "us-east-1" {
		t.Errorf("updated profile = %+v, want the new role_arn and its own region kept", p)
	}
}

func TestProfilesFromStackErrors(t *testing.T) {
	cases := []struct {
		name, instance, outputs string
		args                    []string
		want                    string
	}{
		{"no api_user", "instance: {group: test}\n", roleOutputs, []string{"--from-stack", "STACK"},
			"spin: stack STACK sets no parameters.api_user, so spin does not know which key set the profiles use\n" +
				"spin: hint: name it with --source KEYSET (the name you gave 'spin keys add')\n"},
		{"api_user not a string", "instance: {group: test}\nparameters: {api_user: 7}\n", roleOutputs, []string{"--from-stack", "STACK"},
			"spin: parameters.api_user of stack STACK is not a string (STACK/stack-instance-defaults.yaml:2:24)\n" +
				"spin: hint: name the key set the profiles use with --source KEYSET\n"},
		{"no outputs", apiUserStack, "{}", []string{"--from-stack", "STACK"},
			"spin: stack STACK has no outputs\nspin: hint: apply it first: spin up STACK\n"},
		{"no role outputs", apiUserStack, `{"bucket":{"sensitive":false,"type":"string","value":"b"}}`, []string{"--from-stack", "STACK"},
			"spin: no output of stack STACK is a role ARN named *_role_arn\nspin: hint: 'spin output STACK' lists its outputs\n"},
		{"bad template", apiUserStack, roleOutputs, []string{"--from-stack", "STACK", "--name-template", "{{user}}"},
			"spin: name template \"{{user}}\" has an unknown placeholder {{user}} (allowed: {{output}}, {{role}}, {{role_suffix}})\n"},
		{"template gives one name", apiUserStack, roleOutputs, []string{"--from-stack", "STACK", "--name-template", "same"},
			"spin: outputs account_role_arn and delivery_role_arn both give profile same with name template \"same\"\n"},
		{"flags without --from-stack", apiUserStack, roleOutputs, []string{"--source", "x"},
			"spin: --environment, --source and --name-template go with --from-stack\nspin: hint: name the stack folder: --from-stack DIR\n"},
		{"missing folder", apiUserStack, roleOutputs, []string{"--from-stack", "STACK/nope"},
			"spin: stack folder STACK/nope does not exist\nspin: hint: run spin in a stack folder, or name one: spin plan examples/00-iam-roles\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newFromStackWorld(t, tc.instance, tc.outputs, "profiles:\n  bootstrap: {source: admin}\n")
			before := w.snapshot()
			for _, verb := range []string{"write", "diff"} {
				args := []string{"profiles", verb}
				for _, a := range tc.args {
					args = append(args, strings.ReplaceAll(a, "STACK", w.dir))
				}
				stdout, stderr, code := w.spin(args...)
				stderr = dropWarnings(stderr)
				want := strings.ReplaceAll(tc.want, "STACK", w.dir)
				if code != 1 || stderr != want || stdout != "" {
					t.Errorf("%s: code %d, stdout %q, stderr:\n%s\nwant:\n%s", verb, code, stdout, stderr, want)
				}
			}
			if w.snapshot() != before {
				t.Errorf("a failed run changed the files")
			}
		})
	}

	// --source stands in for a missing api_user.
	w := newFromStackWorld(t, "instance: {group: test}\n", roleOutputs, "profiles:\n  bootstrap: {source: admin}\n")
	stdout, stderr, code := w.spin("profiles", "write", "--from-stack", w.dir, "--source", "deployer", "--name-template", "{{output}}")
	if code != 0 || !strings.Contains(stdout, "added profile account to "+w.env["SPIN_CONFIG"]+" (role_arn "+roleBase+"account, source deployer)\n") {
		t.Errorf("--source: code %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

// dropWarnings removes spin's warning lines, such as skipped outputs.
func dropWarnings(stderr string) string {
	var keep []string
	for _, l := range strings.SplitAfter(stderr, "\n") {
		if !strings.HasPrefix(l, "spin: warning: ") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "")
}

// Without a config.yaml, --from-stack creates one holding the profiles.
func TestProfilesFromStackCreatesConfig(t *testing.T) {
	w := newFromStackWorld(t, apiUserStack, roleOutputs, "")
	cfg := filepath.Join(filepath.Dir(w.env["SPIN_CONFIG"]), "new", "config.yaml")
	w.env["SPIN_CONFIG"] = cfg
	if _, stderr, code := w.spin("profiles", "write", "--from-stack", w.dir); code != 0 {
		t.Fatalf("code %d\n%s", code, stderr)
	}
	want := "profiles:\n  assume-cloudspin_examples-account:\n    source: cloudspin_user\n    role_arn: " + roleBase + "account\n" +
		"  assume-cloudspin_examples-delivery:\n    source: cloudspin_user\n    role_arn: " + roleBase + "delivery\n"
	if got := w.snapshot()[0]; got != want {
		t.Errorf("config.yaml:\n%s\nwant:\n%s", got, want)
	}
	fi, err := os.Stat(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("config.yaml mode %v, want 0600", fi.Mode().Perm())
	}
}
