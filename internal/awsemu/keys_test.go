package awsemu

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestTOTP uses RFC 6238's SHA-1 test vectors, cut to six digits.
func TestTOTP(t *testing.T) {
	tests := []struct {
		unix int64
		want string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
		{20000000000, "353130"},
	}
	for _, tt := range tests {
		got, err := TOTP(mfaSecret, time.Unix(tt.unix, 0))
		if err != nil || got != tt.want {
			t.Errorf("TOTP at %d: got %q, %v, want %q", tt.unix, got, err, tt.want)
		}
	}
	// Authenticator apps show secrets in lower case, spaced, padded.
	if got, _ := TOTP("gezd gnbv gy3t qojq gezd gnbv gy3t qojq====", time.Unix(59, 0)); got != "287082" {
		t.Errorf("TOTP with a spaced lower-case secret: got %q, want 287082", got)
	}
	if _, err := TOTP("not base32!", time.Now()); err == nil {
		t.Errorf("TOTP with a bad secret: got no error")
	}
	now := time.Unix(1111111111, 0)
	for _, tt := range []struct {
		code string
		want bool
	}{{"050471", true}, {"081804", true}, {"000000", false}, {"50471", false}} {
		if got := checkTOTP(mfaSecret, tt.code, now); got != tt.want {
			t.Errorf("checkTOTP(%q): got %v, want %v", tt.code, got, tt.want)
		}
	}
}

func TestLoadKeys(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", `{"keys": [
		{"access_key_id": "AKIAALICE00000000001", "secret_access_key": "s1", "user_name": "alice",
		 "account": "111122223333", "mfa_serial": "arn:aws:iam::111122223333:mfa/alice", "mfa_secret": "`+mfaSecret+`"},
		{"access_key_id": "AKIABOB0000000000002", "secret_access_key": "s2", "user_name": "bob", "disabled": true}
	]}`)
	got, err := LoadKeys(good)
	if err != nil {
		t.Fatal(err)
	}
	want := []Key{
		{AccessKeyID: "AKIAALICE00000000001", SecretAccessKey: "s1", UserName: "alice", Account: "111122223333",
			MFASerial: "arn:aws:iam::111122223333:mfa/alice", MFASecret: mfaSecret},
		{AccessKeyID: "AKIABOB0000000000002", SecretAccessKey: "s2", UserName: "bob", Disabled: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LoadKeys mismatch (-want +got):\n%s", diff)
	}

	bad := []struct{ name, body, wantErr string }{
		{"unknown field", `{"keys": [{"access_key_id": "AKIA1", "secret_access_key": "s", "secret": "x"}]}`, "unknown field"},
		{"no secret", `{"keys": [{"access_key_id": "AKIA1"}]}`, "secret_access_key"},
		{"no id", `{"keys": [{"secret_access_key": "s"}]}`, "access_key_id is empty"},
		{"temporary id", `{"keys": [{"access_key_id": "ASIA1", "secret_access_key": "s"}]}`, "temporary"},
		{"duplicate", `{"keys": [{"access_key_id": "AKIA1", "secret_access_key": "s"}, {"access_key_id": "AKIA1", "secret_access_key": "t"}]}`, "duplicate"},
		{"bad account", `{"keys": [{"access_key_id": "AKIA1", "secret_access_key": "s", "account": "12"}]}`, "12 digits"},
		{"serial without secret", `{"keys": [{"access_key_id": "AKIA1", "secret_access_key": "s", "mfa_serial": "arn:x"}]}`, "together"},
		{"bad mfa secret", `{"keys": [{"access_key_id": "AKIA1", "secret_access_key": "s", "mfa_serial": "arn:x", "mfa_secret": "1!"}]}`, "base32"},
		{"not json", `keys:`, "invalid character"},
	}
	for _, tt := range bad {
		_, err := LoadKeys(write(tt.name+".json", tt.body))
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: got error %v, want one containing %q", tt.name, err, tt.wantErr)
		}
	}
	if _, err := LoadKeys(filepath.Join(dir, "missing.json")); !os.IsNotExist(err) {
		t.Errorf("missing file: got %v, want a not-exist error", err)
	}
}

func TestKeyNeverPrintsSecrets(t *testing.T) {
	var logs syncBuffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("k", "key", alice)
	for _, s := range []string{fmt.Sprint(alice), fmt.Sprintf("%+v", alice), logs.String()} {
		if strings.Contains(s, alice.SecretAccessKey) || strings.Contains(s, alice.MFASecret) {
			t.Errorf("got %q, want no secrets", s)
		}
		if !strings.Contains(s, alice.AccessKeyID) {
			t.Errorf("got %q, want the key id", s)
		}
	}
}
