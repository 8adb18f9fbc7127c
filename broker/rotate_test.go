package broker

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/awsemu"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/keystore"
)

const rotAccount = "123456789012"

// rotFixture is a broker with the real SDK clients against the emulator.
type rotFixture struct {
	emu  *awsemu.Emulator
	b    *Broker
	keys *memKeys
	h    http.Handler
}

func newRotFixture(t *testing.T, extraConfig string) *rotFixture {
	t.Helper()
	emu := awsemu.New(awsemu.Options{Keys: []awsemu.Key{{AccessKeyID: keyID, SecretAccessKey: keySecret, UserName: "u", Account: rotAccount}}})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	conf := filepath.Join(dir, "config.yaml")
	cfg := "keyring:\n  backend: secret-service\nendpoints:\n  sts: " + srv.URL + "\n  iam: " + srv.URL + "\n" + extraConfig +
		"profiles:\n  p:\n    source: user\n    role_arn: arn:aws:iam::123456789012:role/r\n"
	if err := os.WriteFile(conf, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	keys := &memKeys{sets: map[string]keystore.KeySet{
		"user": {Name: "user", AccessKeyID: keyID, SecretAccessKey: secret.New(keySecret), Created: time.Now().Add(-100 * 24 * time.Hour)},
	}}
	b := New(Config{ConfigPath: conf, OpenKeys: func(keystore.Config) (Keys, error) { return keys, nil },
		FileKeys: plainFileKeys{}, RotateVerify: 3 * time.Second})
	t.Cleanup(b.Close)
	return &rotFixture{emu: emu, b: b, keys: keys, h: b.Handler()}
}

func (f *rotFixture) rotate(t *testing.T, keepOld bool) (*httptest.ResponseRecorder, api.RotateResult) {
	t.Helper()
	body, _ := json.Marshal(api.RotateRequest{KeepOld: keepOld})
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/keys/user/rotate", strings.NewReader(string(body))))
	var res api.RotateResult
	if rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
			t.Fatal(err)
		}
	}
	return rec, res
}

func (f *rotFixture) stored(t *testing.T) keystore.KeySet {
	t.Helper()
	ks, err := f.keys.Get(context.Background(), "user")
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

func TestRotateReplacesTheKey(t *testing.T) {
	f := newRotFixture(t, "")
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/credentials/p", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("credentials before: %d %s", rec.Code, rec.Body)
	}
	before, _ := api.DecodeProcessJSON(rec.Body)

	rec, res := f.rotate(t, false)
	if rec.Code != http.StatusOK {
		t.Fatalf("rotate: %d %s", rec.Code, rec.Body)
	}
	ks := f.stored(t)
	if ks.AccessKeyID == keyID || ks.Pending != nil || ks.Retiring != "" || time.Since(ks.Created) > time.Minute {
		t.Fatalf("stored after rotation: %+v, want a new current key made just now, nothing pending", ks)
	}
	if res.OldKey != "deleted" || res.NewKeyID != secret.MaskKeyID(ks.AccessKeyID) {
		t.Errorf("got result %+v", res)
	}
	got := f.emu.AccessKeys(rotAccount, "u")
	if len(got) != 1 || got[0].AccessKeyID != ks.AccessKeyID {
		t.Fatalf("IAM holds %v, want only the new key", got)
	}
	if strings.Contains(rec.Body.String(), ks.SecretAccessKey.Reveal()) {
		t.Error("the answer carries the new secret")
	}
	// The cached session is still served, and new sessions use the new key.
	rec = httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/credentials/p", nil))
	after, _ := api.DecodeProcessJSON(rec.Body)
	if rec.Code != http.StatusOK || after.AccessKeyID != before.AccessKeyID {
		t.Fatalf("credentials after: %d, want the cached session", rec.Code)
	}
	rec = httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/credentials/p?session_name=fresh", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("a new session after rotation: %d %s", rec.Code, rec.Body)
	}
	calls := f.emu.AssumeRoleCalls()
	if last := calls[len(calls)-1]; last.SourceAccessKeyID != ks.AccessKeyID {
		t.Errorf("new session signed with %s, want the new key", last.SourceAccessKeyID)
	}
}

func TestRotateKeepOldDeactivates(t *testing.T) {
	f := newRotFixture(t, "")
	if rec, res := f.rotate(t, true); rec.Code != http.StatusOK || res.OldKey != "deactivated" {
		t.Fatalf("rotate --keep-old: %d %s", rec.Code, rec.Body)
	}
	got := f.emu.AccessKeys(rotAccount, "u")
	if len(got) != 2 || got[0].AccessKeyID != keyID || !got[0].Disabled || got[1].Disabled {
		t.Fatalf("IAM holds %v, want the old key inactive and the new one active", got)
	}
	// Now there are two keys: the next rotation is refused, naming both.
	rec, _ := f.rotate(t, false)
	var e api.Error
	_ = json.Unmarshal(rec.Body.Bytes(), &e)
	cur := f.stored(t).AccessKeyID
	if rec.Code != http.StatusConflict || !strings.Contains(e.Message, keyID) || !strings.Contains(e.Message, cur) ||
		!strings.Contains(e.Hint, "delete-access-key --access-key-id "+keyID) {
		t.Fatalf("rotation with two keys: %d %+v, want 409 naming %s and %s", rec.Code, e, keyID, cur)
	}
	if n := len(f.emu.AccessKeys(rotAccount, "u")); n != 2 {
		t.Errorf("refused rotation left %d keys, want 2", n)
	}
}

func TestRotateResumesAPendingKey(t *testing.T) {
	f := newRotFixture(t, "")
	// A key IAM will not let STS see for a while: the rotation stops with
	// the key pending, the current key untouched.
	f.emu.SetIAMKeyDelay(time.Hour)
	rec, _ := f.rotate(t, false)
	if rec.Code != http.StatusBadGateway || !strings.Contains(rec.Body.String(), "again in a minute") {
		t.Fatalf("rotate with a slow IAM: %d %s", rec.Code, rec.Body)
	}
	ks := f.stored(t)
	if ks.AccessKeyID != keyID || ks.Pending == nil {
		t.Fatalf("after a stopped rotation: %+v, want the old key current and the new one pending", ks)
	}
	pending := ks.Pending.AccessKeyID
	f.emu.SetIAMKeyDelay(0)
	f.emu.AddKey(awsemu.Key{AccessKeyID: pending, SecretAccessKey: ks.Pending.SecretAccessKey.Reveal(), UserName: "u", Account: rotAccount})
	rec, res := f.rotate(t, false)
	if rec.Code != http.StatusOK || !res.Resumed {
		t.Fatalf("re-run: %d %s", rec.Code, rec.Body)
	}
	if got := f.emu.AccessKeys(rotAccount, "u"); len(got) != 1 || got[0].AccessKeyID != pending {
		t.Fatalf("IAM holds %v, want only the pending key %s", got, pending)
	}
}

func TestKeyAgeWarning(t *testing.T) {
	f := newRotFixture(t, "keys:\n  max_age: 30d\n")
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/keys", nil))
	var keys []api.KeyInfo
	if err := json.Unmarshal(rec.Body.Bytes(), &keys); err != nil || len(keys) != 1 {
		t.Fatalf("keys: %s %v", rec.Body, err)
	}
	if w := keys[0].AgeWarning; !strings.Contains(w, "key set user is 100 days old, past keys.max_age (30 days)") {
		t.Errorf("got warning %q, want one about a 100-day-old key", w)
	}
	if rec, _ := f.rotate(t, false); rec.Code != http.StatusOK {
		t.Fatal(rec.Body)
	}
	rec = httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/keys", nil))
	keys = nil
	_ = json.Unmarshal(rec.Body.Bytes(), &keys)
	if len(keys) != 1 || keys[0].AgeWarning != "" {
		t.Errorf("after rotation got %+v, want no warning", keys)
	}
}

// A key set with an MFA device rotates through its MFA session (IAM
// refuses session credentials without MFA); without one, the refusal
// names the profile to run 'spin mfa' for.
func TestRotateThroughTheMFASession(t *testing.T) {
	const serial = "arn:aws:iam::123456789012:mfa/u"
	const totpSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	f := newRotFixture(t, "")
	f.emu.AddKey(awsemu.Key{AccessKeyID: keyID, SecretAccessKey: keySecret, UserName: "u", Account: rotAccount, MFASerial: serial, MFASecret: totpSecret})
	ks := f.stored(t)
	ks.MFASerial = serial
	if err := f.keys.Put(context.Background(), ks); err != nil {
		t.Fatal(err)
	}
	rec, _ := f.rotate(t, false)
	if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "spin mfa p") {
		t.Fatalf("rotate without an MFA session: %d %s, want mfa_required naming 'spin mfa p'", rec.Code, rec.Body)
	}
	code, err := awsemu.TOTP(totpSecret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rec = httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/mfa/p", strings.NewReader(`{"code":"`+code+`"}`)))
	if rec.Code != http.StatusNoContent {
		t.Fatalf("mfa: %d %s", rec.Code, rec.Body)
	}
	if rec, _ := f.rotate(t, false); rec.Code != http.StatusOK {
		t.Fatalf("rotate with an MFA session: %d %s", rec.Code, rec.Body)
	}
	got := f.emu.AccessKeys(rotAccount, "u")
	if len(got) != 1 || got[0].AccessKeyID == keyID || got[0].MFASerial != serial {
		t.Fatalf("IAM holds %v, want one new key of the same MFA user", got)
	}
}
