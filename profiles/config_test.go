package profiles

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudspin/spin/internal/awsnet"
)

func TestDefaultConfigPath(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		env     map[string]string
		want    string
		wantErr bool
	}{
		{"SPIN_CONFIG wins", map[string]string{"SPIN_CONFIG": "/etc/spin.yaml", "XDG_CONFIG_HOME": "/x", "HOME": "/h"}, "/etc/spin.yaml", false},
		{"relative SPIN_CONFIG is pinned", map[string]string{"SPIN_CONFIG": "my.yaml"}, filepath.Join(wd, "my.yaml"), false},
		{"XDG_CONFIG_HOME", map[string]string{"XDG_CONFIG_HOME": "/x", "HOME": "/h"}, "/x/spin/config.yaml", false},
		{"relative XDG_CONFIG_HOME is ignored", map[string]string{"XDG_CONFIG_HOME": "rel", "HOME": "/h"}, "/h/.config/spin/config.yaml", false},
		{"HOME", map[string]string{"HOME": "/h"}, "/h/.config/spin/config.yaml", false},
		{"nothing", map[string]string{}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DefaultConfigPath(func(k string) string { return tt.env[k] })
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("got %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestParseDesignExample(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_DATA_HOME", "")
	c := parseFile(t, "testdata/design.yaml")
	if len(c.Warnings) != 0 {
		t.Errorf("got warnings %q, want none", c.Warnings)
	}
	if want := (KeyringConfig{Backend: "auto", FileDir: filepath.Join(home, ".local/share/spin/keyring")}); c.Keyring != want {
		t.Errorf("got keyring %+v, want %+v", c.Keyring, want)
	}
	if diff := cmp.Diff([]string{"assume-cloudspin_examples-account", "bootstrap"}, c.Order); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	c.User = "alice"
	tests := []struct {
		name          string
		want          Resolved
		wantBootstrap bool
	}{
		{"assume-cloudspin_examples-account", Resolved{
			Name:            "assume-cloudspin_examples-account",
			Source:          "cloudspin_user",
			SourceKind:      KindKeySet,
			RoleARN:         "arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-account",
			RoleSessionName: "spin-alice", RoleSessionNameSet: true,
			SourceIdentity: "alice",
			Region:         "eu-west-1",
			Duration:       time.Hour, MinValidity: 15 * time.Minute, MFADuration: 12 * time.Hour,
		}, false},
		{"bootstrap", Resolved{
			Name:            "bootstrap",
			Source:          "bootstrap_admin",
			SourceKind:      KindKeySet,
			RoleSessionName: "spin-alice",
			Region:          "eu-west-1",
			Duration:        time.Hour, MinValidity: 15 * time.Minute, MFADuration: 12 * time.Hour,
		}, true},
	}
	for _, tt := range tests {
		got, err := c.Resolve(tt.name)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Resolve(%q) (-want +got):\n%s", tt.name, diff)
		}
		if got.Bootstrap() != tt.wantBootstrap {
			t.Errorf("%s: got Bootstrap() %v, want %v", tt.name, got.Bootstrap(), tt.wantBootstrap)
		}
	}
}

func TestResolveDefaultsAndOverrides(t *testing.T) {
	c := parse(t, `
defaults:
  min_validity: 5m
profiles:
  short:
    source: k
    role_arn: arn:aws-cn:iam::123456789012:role/team/deploy
    role_session_name: "ci {{ user }}/{{user}}"
    duration: 20s
    min_validity: 5s
    mfa_serial: arn:aws:iam::123456789012:mfa/alice
`)
	c.User = "bob"
	got, err := c.Resolve("short")
	if err != nil {
		t.Fatal(err)
	}
	want := Resolved{
		Name: "short", Source: "k", SourceKind: KindKeySet, RoleARN: "arn:aws-cn:iam::123456789012:role/team/deploy",
		RoleSessionName: "ci_bob_bob", RoleSessionNameSet: true, SourceIdentity: "bob", MFASerial: "arn:aws:iam::123456789012:mfa/alice",
		Duration: 20 * time.Second, MinValidity: 5 * time.Second, MFADuration: DefaultMFADuration,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestResolveUnknown(t *testing.T) {
	c := parse(t, "profiles:\n  b: {source: k}\n  a: {source: k}\n")
	_, err := c.Resolve("nope")
	if !errors.Is(err, ErrUnknownProfile) {
		t.Fatalf("got %v, want ErrUnknownProfile", err)
	}
	if want := `unknown profile "nope" in config.yaml (known: b, a)`; err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
	// A near miss names the profile meant.
	c = parse(t, "profiles:\n  assume-prod: {source: k}\n  assume-dev: {source: k}\n")
	_, err = c.Resolve("asume-prod")
	if want := `unknown profile "asume-prod" in config.yaml (known: assume-prod, assume-dev; did you mean "assume-prod"?)`; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	_, err = parse(t, "").Resolve("x")
	if want := `unknown profile "x": config.yaml defines no profiles`; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestResolveHandBuilt(t *testing.T) {
	c := &Config{Profiles: map[string]Profile{"p": {Name: "p", Source: "k", RoleSessionName: "{{host}}"}}, Order: []string{"p"}}
	if _, err := c.Resolve("p"); err == nil {
		t.Error("got nil for an unchecked bad template, want an error")
	}
	// A BOM (Windows editors) is fine.
	if c := parse(t, "\ufeffprofiles:\n  p: {source: k}\n"); c.Profiles["p"].Source != "k" {
		t.Errorf("got %+v, want profile p", c.Profiles)
	}
}

func TestOrigin(t *testing.T) {
	c := parse(t, "defaults:\n  duration: 2h\nprofiles:\n  p:\n    source: k\n    region: us-east-1\n")
	tests := map[string]string{
		"defaults.duration":       "config.yaml:2:3",
		"profiles.p":              "config.yaml:4:3",
		"profiles.p.region":       "config.yaml:6:5",
		"profiles.p.duration":     "config.yaml:2:3", // inherited from defaults.duration
		"profiles.p.min_validity": "default",
		"keyring.backend":         "default",
		"profiles.q.duration":     "default", // no such profile
	}
	for key, want := range tests {
		if got := c.Origin(key); got != want {
			t.Errorf("Origin(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestRefreshMargin(t *testing.T) {
	for d, want := range map[time.Duration]time.Duration{
		time.Hour:        5 * time.Minute,
		50 * time.Minute: 5 * time.Minute,
		20 * time.Minute: 2 * time.Minute,
		20 * time.Second: 2 * time.Second,
	} {
		if got := RefreshMargin(d); got != want {
			t.Errorf("RefreshMargin(%v) = %v, want %v", d, got, want)
		}
	}
}

func TestSessionName(t *testing.T) {
	tests := []struct{ tmpl, user, want string }{
		{DefaultSessionTemplate, "alice", "spin-alice"},
		{DefaultSessionTemplate, "DOMAIN\\jöhn doe", "spin-DOMAIN_j_hn_doe"},
		{"{{user}}", "", "__"},
		{"{{user}}", "a", "a_"},
		{"x", "", "x_"},
		{"{{user}}", strings.Repeat("a", 70), strings.Repeat("a", 64)},
		{"a+=,.@-_{{user}}", "Z9", "a+=,.@-_Z9"},
	}
	for _, tt := range tests {
		got, err := renderSessionName(tt.tmpl, tt.user)
		if err != nil || got != tt.want {
			t.Errorf("renderSessionName(%q, %q) = %q, %v; want %q", tt.tmpl, tt.user, got, err, tt.want)
		}
	}
}

func TestCheckName(t *testing.T) {
	for _, ok := range []string{"a", "assume-cloudspin_examples-account", "_x", "9.a@b+c", strings.Repeat("a", 64)} {
		if err := CheckName(ok); err != nil {
			t.Errorf("CheckName(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", "-x", ".x", "a b", "a]b", "a[b", "a/b", "a'b", "a;b", "a$b", "é", strings.Repeat("a", 65)} {
		if err := CheckName(bad); err == nil {
			t.Errorf("CheckName(%q) = nil, want an error", bad)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "none", "config.yaml")
	c, err := Load(missing)
	if err != nil {
		t.Fatal(err)
	}
	if c.Exists || c.Path != missing || c.Keyring.Backend != "auto" || c.Defaults.Duration != time.Hour || len(c.Profiles) != 0 {
		t.Errorf("got %+v, want an empty config with defaults and Exists false", c)
	}

	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte("profiles:\n  p:\n    source: k\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Exists || c.Profiles["p"].Source != "k" {
		t.Errorf("got %+v, want the file's profile and Exists", c)
	}

	if err := os.WriteFile(path, []byte("profiles: [p]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.HasPrefix(err.Error(), path+":1:11: ") {
		t.Errorf("got %v, want an error at %s:1:11", err, path)
	}
}

func TestWarnings(t *testing.T) {
	c := parse(t, `defaults:
  mfa_duration: 48h
profiles:
  short:
    source: k
    role_arn: arn:aws:iam::123456789012:role/r
    duration: 10m
    min_validity: 1m
  boot:
    source: k
    external_id: abcdef
`)
	want := []string{
		`config.yaml:2:17: mfa_duration 48h in defaults is over 36h: real STS refuses it for GetSessionToken`,
		`config.yaml:7:15: duration 10m in profile "short" is under 15m: real STS refuses it for AssumeRole (the emulator accepts it)`,
		`config.yaml:11:18: external_id has no effect in bootstrap profile "boot" (it has no role_arn)`,
	}
	if diff := cmp.Diff(want, c.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

func parse(t *testing.T, src string) *Config {
	t.Helper()
	c, err := Parse("config.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func parseFile(t *testing.T, path string) *Config {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return parse(t, string(data))
}

func TestKeyringLockAfter(t *testing.T) {
	if got := parse(t, "keyring:\n  backend: file\n").Keyring.LockAfter; got != 0 {
		t.Errorf("lock_after unset = %v, want 0 (off)", got)
	}
	if got := parse(t, "keyring:\n  lock_after: 8h\n").Keyring.LockAfter; got != 8*time.Hour {
		t.Errorf("lock_after: 8h = %v", got)
	}
	c := parse(t, "keyring:\n  lock_after: 90m\n")
	if got := c.Origin("keyring.lock_after"); !strings.HasSuffix(got, ":2:3") {
		t.Errorf("origin of keyring.lock_after = %q, want line 2 column 3", got)
	}
}

func TestParseEndpointsAndNetwork(t *testing.T) {
	bundle := filepath.Join(t.TempDir(), "corp.pem")
	if err := os.WriteFile(bundle, selfSignedPEM(t), 0o600); err != nil {
		t.Fatal(err)
	}
	src := "endpoints:\n  sts: http://127.0.0.1:4566\n  s3: https://s3.vpce.example\nnetwork:\n  https_proxy: http://proxy.corp:3128\n  no_proxy: .corp\n  ca_bundle: " + bundle + "\n"
	c, err := Parse("config.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if c.Net.Endpoint(awsnet.STS) != "http://127.0.0.1:4566" || c.Net.Endpoint(awsnet.S3) != "https://s3.vpce.example" || c.Net.Endpoint(awsnet.SSO) != "" {
		t.Errorf("endpoints = %v", c.Net.Endpoints)
	}
	if c.Net.Network != (awsnet.Network{HTTPSProxy: "http://proxy.corp:3128", NoProxy: ".corp", CABundle: bundle}) || c.Net.From != "config.yaml" {
		t.Errorf("network = %+v from %q", c.Net.Network, c.Net.From)
	}
	if got := c.Origin("endpoints.sts"); got != "config.yaml:2:3" {
		t.Errorf("origin of endpoints.sts = %q", got)
	}
	empty, err := Parse("config.yaml", []byte("profiles: {}\n"))
	if err != nil || !empty.Net.IsZero() {
		t.Errorf("no endpoints: %+v %v", empty.Net, err)
	}
}

// selfSignedPEM returns a fresh self-signed certificate, only parsed here.
func selfSignedPEM(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test corp"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// The file keyring's default directory follows XDG_DATA_HOME, as keystore's
// does, so spind and a keystore opened without config agree.
func TestDefaultKeyringDirFollowsXDG(t *testing.T) {
	data := t.TempDir()
	t.Setenv("XDG_DATA_HOME", data)
	c, err := Parse("config.yaml", []byte("profiles: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(data, "spin", "keyring"); c.Keyring.FileDir != want {
		t.Errorf("got %s, want %s", c.Keyring.FileDir, want)
	}
}
