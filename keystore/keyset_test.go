//go:build unix

// The keyring test kit (internal/testkeyring) drives unix daemons.

package keystore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cloudspin/spin/internal/secret"
)

const (
	testKeyID  = "AKIAIOSFODNN7EXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

func testKeySet(name string) KeySet {
	return KeySet{Name: name, AccessKeyID: testKeyID, SecretAccessKey: secret.New(testSecret)}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*KeySet)
		wantErr string // "" means valid
	}{
		{"ok", func(*KeySet) {}, ""},
		{"ok with mfa arn", func(k *KeySet) { k.MFASerial = "arn:aws:iam::123456789012:mfa/alice" }, ""},
		{"ok with hardware mfa", func(k *KeySet) { k.MFASerial = "GAHT12345678" }, ""},
		{"ok name charset", func(k *KeySet) { k.Name = "a.b_c-d@e" }, ""},
		{"empty name", func(k *KeySet) { k.Name = "" }, "key set name"},
		{"name with slash", func(k *KeySet) { k.Name = "a/b" }, "key set name"},
		{"name too long", func(k *KeySet) { k.Name = strings.Repeat("a", 65) }, "key set name"},
		{"temporary key", func(k *KeySet) { k.AccessKeyID = "ASIAIOSFODNN7EXAMPLE" }, "temporary (ASIA) key"},
		{"lower case id", func(k *KeySet) { k.AccessKeyID = "akiaiosfodnn7example" }, "must be AKIA"},
		{"short id", func(k *KeySet) { k.AccessKeyID = "AKIA123" }, "got 7 characters"},
		{"secret pasted as id", func(k *KeySet) { k.AccessKeyID = testSecret }, "got 40 characters"},
		{"empty secret", func(k *KeySet) { k.SecretAccessKey = secret.String{} }, "is empty"},
		{"short secret", func(k *KeySet) { k.SecretAccessKey = secret.New("abc") }, "about 40"},
		{"secret with newline", func(k *KeySet) { k.SecretAccessKey = secret.New(testSecret + "\n") }, "control"},
		{"bad mfa", func(k *KeySet) { k.MFASerial = "123" }, "mfa serial"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := testKeySet("cloudspin_user")
			tt.edit(&k)
			err := k.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Validate() = %v, want an error containing %q", err, tt.wantErr)
			}
			if err != nil && (strings.Contains(err.Error(), testSecret) || strings.Contains(err.Error(), "IOSFODNN7")) {
				t.Errorf("Validate() error shows the key: %v", err)
			}
		})
	}
}

// TestKeySetNeverShowsSecret covers every way a KeySet may be printed.
func TestKeySetNeverShowsSecret(t *testing.T) {
	k := testKeySet("cloudspin_user")
	var logs, nested bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "ks", k, "ptr", &k)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "ks", k)
	// Nested values bypass LogValue and are marshalled as JSON instead.
	slog.New(slog.NewJSONHandler(&nested, nil)).Info("x", "any", []any{k})
	js, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"%v":     fmt.Sprintf("%v", k),
		"%+v":    fmt.Sprintf("%+v", k),
		"%#v":    fmt.Sprintf("%#v", k),
		"Sprint": fmt.Sprint(k),
		"ptr":    fmt.Sprintf("%+v", &k),
		"json":   string(js),
		"slog":   logs.String(),
		"nested": nested.String(),
	}
	for how, out := range outputs {
		if strings.Contains(out, testSecret) || strings.Contains(out, "bPxRfiCY") {
			t.Errorf("%s shows the secret: %s", how, out)
		}
	}
	if strings.Contains(logs.String(), testKeyID) {
		t.Errorf("slog shows the unmasked key id: %s", &logs)
	}
}

func TestDecodeKeepsDataOutOfErrors(t *testing.T) {
	_, err := decode("n", []byte(`{"secret_access_key":"`+testSecret+`"`))
	if err == nil || strings.Contains(err.Error(), testSecret[:8]) {
		t.Fatalf("decode(truncated) = %v, want an error without the data", err)
	}
	_, err = decode("n", []byte("\x00"+testSecret))
	if err == nil || strings.Contains(err.Error(), testSecret[:8]) {
		t.Fatalf("decode(garbage) = %v, want an error without the data", err)
	}
}

// Items stored before allow_export existed decode as not exportable, and
// the flag survives a round trip.
func TestAllowExportStoredWithTheKeySet(t *testing.T) {
	old := []byte(`{"access_key_id":"` + testKeyID + `","secret_access_key":"` + testSecret + `","mfa_serial":""}`)
	k, err := decode("old", old)
	if err != nil || k.AllowExport {
		t.Fatalf("decode(item without allow_export) = %+v, %v; want AllowExport false", k, err)
	}
	k.AllowExport = true
	data, err := encode(k)
	if err != nil {
		t.Fatal(err)
	}
	if back, err := decode("old", data); err != nil || !back.AllowExport {
		t.Errorf("round trip lost allow_export: %+v, %v", back, err)
	}
	k.AllowExport = false
	if data, _ := encode(k); strings.Contains(string(data), "allow_export") {
		t.Errorf("a key set without the grant is written as %s: older spinds must read it unchanged", data)
	}
}

func TestRotationStateStoredWithTheKeySet(t *testing.T) {
	k := testKeySet("rot")
	k.Created = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	k.Pending = &PendingKey{AccessKeyID: "AKIANEWKEY0000000001", SecretAccessKey: secret.New("pending" + testSecret), Created: k.Created.Add(time.Hour)}
	k.Retiring = "AKIAOLDKEY0000000002"
	data, err := encode(k)
	if err != nil {
		t.Fatal(err)
	}
	back, err := decode("rot", data)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Created.Equal(k.Created) || back.Retiring != k.Retiring || back.Pending == nil ||
		back.Pending.AccessKeyID != k.Pending.AccessKeyID || back.Pending.SecretAccessKey.Reveal() != "pending"+testSecret ||
		!back.Pending.Created.Equal(k.Pending.Created) {
		t.Errorf("round trip: got %+v (pending %+v), want %+v", back, back.Pending, k)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("k", "ks", back)
	fmt.Fprintf(&buf, "%v %+v %#v", back, back, back)
	if strings.Contains(buf.String(), "pending"+testSecret) {
		t.Errorf("the pending secret shows: %s", buf.String())
	}
	bad := k
	bad.Pending = &PendingKey{AccessKeyID: "ASIATEMP000000000001", SecretAccessKey: secret.New(testSecret)}
	if err := bad.Validate(); err == nil {
		t.Error("Validate accepted a temporary pending key")
	}
	// Items without the fields read as before.
	plain, _ := encode(testKeySet("p"))
	if strings.Contains(string(plain), "pending") || strings.Contains(string(plain), "created") {
		t.Errorf("a key set without rotation state is written as %s", plain)
	}
}
