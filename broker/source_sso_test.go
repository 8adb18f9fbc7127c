package broker

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/awsemu"
	"github.com/cloudspin/spin/internal/awsnet"
	"github.com/cloudspin/spin/keystore"
)

// The sso source against the emulator's Identity Center, through spind's
// API: sign-in, role credentials, and what spin lock does to the tokens.

const ssoConfig = `keyring:
  backend: secret-service
sources:
  corp:
    sso: {start_url: "https://d-1234567890.awsapps.com/start", region: us-east-1}
profiles:
  dev: {source: corp, sso_account_id: "111122223333", sso_role_name: Developer}
`

func newSSOFixture(t *testing.T) *loginFixture {
	t.Helper()
	emu := awsemu.New(awsemu.Options{})
	emu.ConfigureSSO(awsemu.SSOConfig{StartURL: "https://d-1234567890.awsapps.com/start", User: "alice",
		Accounts: []awsemu.SSOAccount{{ID: "111122223333", Name: "dev", Roles: []string{"Developer"}}}})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	conf := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(conf, []byte(ssoConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	f := &loginFixture{emu: emu, url: srv.URL, conf: conf,
		keys: &memSourceKeys{memKeys: memKeys{sets: map[string]keystore.KeySet{}}, items: map[string]string{}}}
	f.b = New(Config{
		ConfigPath: conf,
		OpenKeys:   func(keystore.Config) (Keys, error) { return f.keys, nil },
		STS:        &SDKSTS{Endpoint: f.url, MaxAttempts: 1},
		Net:        awsnet.Config{Endpoints: awsnet.Endpoints{awsnet.SSO: f.url, awsnet.SSOOIDC: f.url, awsnet.STS: f.url}},
	})
	t.Cleanup(f.b.Close)
	f.h = f.b.Handler()
	return f
}

// deviceSignin does what `spin login corp --no-browser` does, the test
// approving the code as the user would in a browser.
func (f *loginFixture) deviceSignin(t *testing.T, source string) {
	t.Helper()
	rec := f.do(t, http.MethodPost, "/v1/signin/"+source, api.SigninStart{Mode: api.SigninDevice})
	var flow api.SigninFlow
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &flow) != nil {
		t.Fatalf("start: %d %s", rec.Code, rec.Body)
	}
	if err := f.emu.ApproveDevice(flow.UserCode); err != nil {
		t.Fatal(err)
	}
	if rec := f.do(t, http.MethodPost, "/v1/signin/"+source+"/wait", nil); rec.Code != http.StatusOK {
		t.Fatalf("wait: %d %s", rec.Code, rec.Body)
	}
}

// spin lock forgets the sso tokens in memory, as it does key sets, MFA
// and console sign-in sessions: a new session while locked answers
// locked instead of calling Identity Center with them; after the unlock
// the tokens are read from the keyring again, without a new sign-in.
func TestLockForgetsSSOTokens(t *testing.T) {
	f := newSSOFixture(t)
	f.deviceSignin(t, "corp")
	if _, aerr := f.creds(t, "dev"); aerr != nil {
		t.Fatalf("after sign-in: %+v", aerr)
	}
	if rec := f.do(t, http.MethodPost, "/v1/lock", nil); rec.Code != http.StatusNoContent {
		t.Fatalf("lock: %d %s", rec.Code, rec.Body)
	}
	before := f.emu.Calls("sso:GetRoleCredentials")
	rec := f.do(t, http.MethodGet, "/v1/credentials/dev?session_name=other", nil)
	if rec.Code != http.StatusLocked {
		t.Errorf("a new session while locked: got %d %s, want 423", rec.Code, rec.Body)
	}
	if n := f.emu.Calls("sso:GetRoleCredentials") - before; n != 0 {
		t.Errorf("GetRoleCredentials calls while locked = %d, want 0", n)
	}
	if rec := f.do(t, http.MethodPost, "/v1/unlock", map[string]string{}); rec.Code/100 != 2 {
		t.Fatalf("unlock: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do(t, http.MethodGet, "/v1/credentials/dev?session_name=third", nil); rec.Code != http.StatusOK {
		t.Errorf("a new session after unlock: got %d %s, want 200 without a new sign-in", rec.Code, rec.Body)
	}
	if n := f.emu.Calls("sso-oidc:StartDeviceAuthorization"); n != 1 {
		t.Errorf("device authorizations = %d, want the one sign-in", n)
	}
}

// `spin login corp --remote` is the login sources' pasted-code flow: for
// an sso source the answer names the flag that does sign in from another
// device, not the wire protocol's mode.
func TestSSORemoteSigninPointsToNoBrowser(t *testing.T) {
	f := newSSOFixture(t)
	rec := f.do(t, http.MethodPost, "/v1/signin/corp", api.SigninStart{Mode: api.SigninRemote})
	var e api.Error
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if rec.Code != http.StatusBadRequest || e.Message != "source corp: IAM Identity Center has no pasted-code sign-in" ||
		e.Hint != "run 'spin login corp --no-browser' to sign in from another device" {
		t.Errorf("got %d %+v, want 400 pointing to --no-browser", rec.Code, e)
	}
	if n := f.emu.Calls("sso-oidc:RegisterClient"); n != 0 {
		t.Errorf("RegisterClient calls = %d, want 0", n)
	}
}

// spin logout while spind is locked cannot reach the keyring item that
// holds the tokens: it says so, and how to finish, rather than that the
// tokens are forgotten while the keyring still holds them.
func TestSSOLogoutWhileLockedSaysTheTokensStay(t *testing.T) {
	f := newSSOFixture(t)
	f.deviceSignin(t, "corp")
	if rec := f.do(t, http.MethodPost, "/v1/lock", nil); rec.Code != http.StatusNoContent {
		t.Fatalf("lock: %d %s", rec.Code, rec.Body)
	}
	rec := f.do(t, http.MethodDelete, "/v1/signin/corp", nil)
	var e api.Error
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if rec.Code != http.StatusLocked || e.Code != api.CodeLocked ||
		e.Message != "source corp: spind is locked (spin lock or keyring.lock_after): its tokens are still in the keyring" ||
		e.Hint != "run 'spin unlock', then run 'spin logout corp' again" {
		t.Errorf("logout while locked: %d %+v", rec.Code, e)
	}
	if _, ok := f.keys.items["corp"]; !ok {
		t.Fatal("the keyring item is gone: then the answer above is wrong")
	}
}
