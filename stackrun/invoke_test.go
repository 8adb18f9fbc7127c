package stackrun

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/secret"
)

func TestVarFile(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"no parameters", "instance: {group: g}\n", ""},
		{"empty parameters", "instance: {group: g}\nparameters: {}\n", ""},
		{"YAML types become JSON types", `instance: {group: g}
parameters:
  api_user: cloudspin_user
  count: 3
  big: 18446744073709551615
  ratio: 0.25
  enabled: true
  nothing: null
  quoted: "007"
  when: 2024-01-02
  tags: {team: a}
  zones: [a, 1]
`, `{
  "api_user": "cloudspin_user",
  "big": 18446744073709551615,
  "count": 3,
  "enabled": true,
  "nothing": null,
  "quoted": "007",
  "ratio": 0.25,
  "tags": {
    "team": "a"
  },
  "when": "2024-01-02",
  "zones": [
    "a",
    1
  ]
}
`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(t, tc.src)
			if err != nil {
				t.Fatal(err)
			}
			got, err := VarFile(c)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, string(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestBackendConfig(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string
	}{
		{"no backend", "instance: {group: g}\nresources: {aws_profile: bootstrap}\n", nil},
		{"AWS", "instance: {group: kief_sandbox}\nterraform_backend: {bucket: statebucket-1, role_arn: " + arn + ", encrypt: true, use_path_style: false}\n" +
			"resources: {region: eu-west-1}\n", []string{
			"bucket=statebucket-1", "key=iam-roles/kief_sandbox.tfstate", "region=eu-west-1",
			"profile=assume-cloudspin_examples-account", "encrypt=true", "use_lockfile=true"}},
		{"emulator", `instance: {group: demo}
terraform_backend:
  bucket: spin-demo-state
  key: demo.tfstate
  region: us-east-1
  profile: bootstrap
  endpoints: {sts: "http://127.0.0.1:4566/", s3: "http://127.0.0.1:4566/${x}"}
  use_path_style: true
  skip_credentials_validation: true
  skip_region_validation: true
  skip_requesting_account_id: true
  skip_metadata_api_check: true
  skip_s3_checksum: true
`, []string{
			"bucket=spin-demo-state", "key=demo.tfstate", "region=us-east-1", "profile=bootstrap",
			"use_path_style=true", "skip_credentials_validation=true", "skip_region_validation=true",
			"skip_requesting_account_id=true", "skip_metadata_api_check=true", "skip_s3_checksum=true",
			`endpoints={s3="http://127.0.0.1:4566/$${x}",sts="http://127.0.0.1:4566/"}`, "use_lockfile=true"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(t, tc.src)
			if err != nil {
				t.Fatal(err)
			}
			cr, err := MapProfiles(c, spinConfig(t))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, BackendConfig(c, cr)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestHCLString(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:        `"plain"`,
		`a"b\c`:        `"a\"b\\c"`,
		"${x} %{y} $z": `"$${x} %%{y} $z"`,
		"line\nbreak":  `"line\nbreak"`,
	} {
		if got := hclString(in); got != want {
			t.Errorf("hclString(%q): got %s, want %s", in, got, want)
		}
	}
}

// parent is spin's own environment in the Env tests, secrets included.
var parent = map[string]string{
	"PATH": "/usr/bin:/bin", "HOME": "/home/u", "LANG": "C.UTF-8", "LC_TIME": "en_GB.UTF-8",
	"XDG_RUNTIME_DIR": "/run/user/1000", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus",
	"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token",
	"SPIN_KEYRING_PASSPHRASE": "pass", "AWS_PROFILE": "parent-profile", "AWS_DEFAULT_PROFILE": "x",
	"TF_VAR_api_user": "x", "TF_CLI_ARGS": "-x", "TF_CLI_ARGS_plan": "-x", "TF_LOG": "TRACE", "TF_IN_AUTOMATION": "1",
	"TF_CLI_CONFIG_FILE": "/missing", "SPIN_SOCKET": "/parent.sock", "AWS_ENDPOINT_URL": "http://x", "SHELL": "/bin/bash",
}

func TestEnv(t *testing.T) {
	c, err := parse(t, "instance: {group: kief_sandbox}\nresources: {assume_role_arn: "+arn+"}\n")
	if err != nil {
		t.Fatal(err)
	}
	cr, err := MapProfiles(c, spinConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	got := Env(c, cr, Host{Getenv: func(k string) string { return parent[k] }, Socket: "/run/user/1000/spin/broker.sock", AWSConfigFile: "/home/u/.aws/config"})
	want := map[string]string{
		"PATH": "/usr/bin:/bin", "HOME": "/home/u", "LANG": "C.UTF-8", "LC_TIME": "en_GB.UTF-8",
		"XDG_RUNTIME_DIR": "/run/user/1000", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus",
		"SPIN_SOCKET":        "/run/user/1000/spin/broker.sock",
		"AWS_CONFIG_FILE":    "/home/u/.aws/config",
		"AWS_PROFILE":        "assume-cloudspin_examples-account",
		"AWS_REGION":         "eu-west-1",
		"AWS_DEFAULT_REGION": "eu-west-1",
		"SPIN_SESSION_NAME":  "iam-roles-kief_sandbox",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if secret.IsEnvVar(k) || strings.HasPrefix(k, "TF_") {
			t.Errorf("env holds %s", k)
		}
	}
	if p := tfexec.ProhibitedEnv(got); len(p) > 0 {
		t.Errorf("terraform-exec would refuse %v", p)
	}
}

func TestPrepareRefusesForbiddenEnv(t *testing.T) {
	c, err := parse(t, "instance: {group: g}\n")
	if err != nil {
		t.Fatal(err)
	}
	inv, err := Prepare(c, spinConfig(t), Host{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"AWS_SECRET_ACCESS_KEY", "TF_VAR_x"} {
		inv.Env[k] = "x"
		if err := inv.checkEnv(); err == nil {
			t.Errorf("checkEnv passed %s", k)
		}
		delete(inv.Env, k)
	}
}

func TestSessionName(t *testing.T) {
	c, err := Parse("my stack", "x", "", []File{{"x/" + DefaultsFile, []byte("instance: {group: g}\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if got := SessionName(c); got != "my_stack-g" {
		t.Errorf("got %q, want my_stack-g", got)
	}
}

func TestFindBinary(t *testing.T) {
	dir := t.TempDir()
	mk := func(rel string, mode os.FileMode) string {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tofu := mk("a/tofu", 0o755)
	terraform := mk("b/terraform", 0o755)
	mk("c/tofu", 0o644) // not executable: skipped
	own := mk("own/tf", 0o755)
	plain := mk("own/plain", 0o644)
	a, b, c := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "c")
	cases := []struct {
		name, flag, envBin, path, want, err string
	}{
		{"tofu first", "", "", b + ":" + a, tofu, ""},
		{"terraform when no tofu", "", "", c + ":" + b, terraform, ""},
		{"SPIN_TF_BINARY wins", "", own, a, own, ""},
		{"flag wins", own, tofu, a, own, ""},
		{"name on PATH", "terraform", "", a + ":" + b, terraform, ""},
		{"flag not executable", plain, "", a, "", "--tofu " + plain + ": is not executable"},
		{"env missing", "", "/nope/tofu", a, "", "SPIN_TF_BINARY /nope/tofu: no such file"},
		{"nothing", "", "", c, "", "neither tofu nor terraform is on PATH"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"PATH": tc.path, BinaryEnv: tc.envBin}
			got, err := FindBinary(tc.flag, func(k string) string { return env[k] })
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("got %q, %v; want error %q", got, err, tc.err)
				}
				if he := (*hint.Error)(nil); !errors.As(err, &he) || !strings.Contains(he.Hint(), "scripts/install-tofu.sh") {
					t.Errorf("error %v lacks the install hint", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
