package broker

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/api"
)

const statusConfig = `profiles:
  p:
    source: user
    role_arn: arn:aws:iam::123456789012:role/r
    mfa_serial: arn:aws:iam::123456789012:mfa/u
  plain:
    source: other
    role_arn: arn:aws:iam::123456789012:role/r
  ghosted:
    source: ghost
    role_arn: arn:aws:iam::123456789012:role/r
`

func (f *fixture) clear(t *testing.T, path string) api.ClearedSessions {
	t.Helper()
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest(http.MethodDelete, path, nil))
	var out api.ClearedSessions
	if rec.Code != http.StatusOK {
		t.Fatalf("DELETE %s: %d %s", path, rec.Code, rec.Body)
	}
	if err := json.NewDecoder(rec.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// Status shows what holds no session: each key set and its MFA session,
// and a profile whose request failed (its error, hint and when), until a
// request succeeds.
func TestStatusShowsKeySetsMFAAndFailures(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	f := newFixture(t, statusConfig, clk.Now)
	f.sts.now = clk.Now

	st := f.status(t)
	if len(st.KeySets) != 3 {
		t.Fatalf("key sets %+v, want ghost, other, user", st.KeySets)
	}
	if ks := st.KeySets[2]; ks.Name != "user" || ks.Loaded || !ks.NeedsMFA || ks.MFASerial == "" || len(ks.Profiles) != 1 || ks.Profiles[0] != "p" {
		t.Errorf("key set user before use: %+v, want unread, needing MFA, named by p", ks)
	}

	// A missing key set fails the profile: status says so, with the hint.
	if code, _ := f.apiError(t, "/v1/credentials/ghosted"); code != http.StatusNotFound {
		t.Fatalf("ghosted: %d", code)
	}
	// STS fails the first session of plain: no session, the failure shows.
	f.keys.sets["other"] = f.keys.sets["user"]
	stsErr := errors.New("connection refused")
	f.sts.fail.Store(&stsErr)
	if code, _ := f.apiError(t, "/v1/credentials/plain"); code != http.StatusBadGateway {
		t.Fatalf("plain: %d", code)
	}
	st = f.status(t)
	if len(st.Sessions) != 0 || len(st.Failures) != 2 {
		t.Fatalf("sessions %+v failures %+v, want 2 failures and no session", st.Sessions, st.Failures)
	}
	if ks := st.KeySets[0]; ks.Name != "ghost" || !ks.Missing {
		t.Errorf("key set ghost after a request found it missing: %+v", ks)
	}
	if g := st.Failures[0]; g.Profile != "ghosted" || g.Code != api.CodeKeySetMissing || g.Hint == "" || !g.At.Equal(clk.Now()) {
		t.Errorf("failure of ghosted: %+v", g)
	}
	if p := st.Failures[1]; p.Profile != "plain" || p.Code != api.CodeSTSFailed || p.Error == "" {
		t.Errorf("failure of plain: %+v", p)
	}

	// Once it works, the failure is gone and the key set is read.
	f.sts.fail.Store(nil)
	clk.Add(time.Minute)
	if code, e := f.apiError(t, "/v1/credentials/plain"); code != http.StatusOK {
		t.Fatalf("plain: %d %+v", code, e)
	}
	st = f.status(t)
	if len(st.Failures) != 1 || st.Failures[0].Profile != "ghosted" || len(st.Sessions) != 1 {
		t.Errorf("after success: failures %+v sessions %+v", st.Failures, st.Sessions)
	}
	if ks := st.KeySets[1]; ks.Name != "other" || !ks.Loaded || ks.AccessKeyID != "AKIA…MPLE" || ks.NeedsMFA {
		t.Errorf("key set other: %+v", ks)
	}

	// An MFA session shows with its expiry; clearing with mfa drops it and
	// the next request needs a code again.
	if r := f.postMFA(t, "p", "123456"); r.Code != http.StatusNoContent {
		t.Fatalf("mfa: %d %s", r.Code, r.Body)
	}
	st = f.status(t)
	if ks := st.KeySets[2]; ks.MFAExpires.IsZero() || ks.NeedsMFA {
		t.Errorf("key set user with an MFA session: %+v", ks)
	}
	if code, e := f.apiError(t, "/v1/credentials/p"); code != http.StatusOK {
		t.Fatalf("p: %d %+v", code, e)
	}
	if out := f.clear(t, "/v1/sessions"); out.Cleared != 2 || out.MFACleared != 0 {
		t.Errorf("clear: %+v, want 2 role sessions and no MFA session", out)
	}
	if code, e := f.apiError(t, "/v1/credentials/p"); code != http.StatusOK {
		t.Fatalf("p after a plain clear: %d %+v (the MFA session must survive)", code, e)
	}
	if out := f.clear(t, "/v1/sessions/p?mfa=1"); out.Cleared != 1 || out.MFACleared != 1 {
		t.Errorf("clear --mfa p: %+v, want 1 role session and 1 MFA session", out)
	}
	if code, e := f.apiError(t, "/v1/credentials/p"); code != http.StatusUnauthorized || e.Code != api.CodeMFARequired {
		t.Errorf("p after clear --mfa: %d %+v, want mfa_required", code, e)
	}
	if ks := f.status(t).KeySets[2]; !ks.MFAExpires.IsZero() || !ks.NeedsMFA {
		t.Errorf("key set user after clear --mfa: %+v", ks)
	}
	// 'spin sessions clear' forgot ghosted's failure too, and an MFA
	// prompt is not a failure.
	if st := f.status(t); len(st.Failures) != 0 {
		t.Errorf("failures %+v, want none", st.Failures)
	}
}

// A clear that fails (here: config.yaml broken since the session was made)
// drops nothing, not the role sessions before the error.
func TestClearWithMFAFailsWithoutClearing(t *testing.T) {
	f := newFixture(t, basicConfig, time.Now)
	if rec, _ := f.get(t, "/v1/credentials/p"); rec.Code != http.StatusOK {
		t.Fatalf("credentials: %d %s", rec.Code, rec.Body)
	}
	if err := os.WriteFile(f.conf, []byte("profiles: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rec := f.do(t, http.MethodDelete, "/v1/sessions/p?mfa=1", "")
	if rec.Code == http.StatusOK {
		t.Fatalf("clear with a broken config.yaml: %d %s, want an error", rec.Code, rec.Body)
	}
	if n := len(f.status(t).Sessions); n != 1 {
		t.Errorf("%d sessions after a failed clear, want the 1 held", n)
	}
}

// A request that fails before it has a session name (config.yaml broken)
// is forgotten once the profile works again, whatever session name the
// success had: status must not say "no session" beside the session held.
func TestFailureWithoutSessionNameClearedBySuccess(t *testing.T) {
	f := newFixture(t, basicConfig, time.Now)
	edit := func(content string, at time.Time) {
		t.Helper()
		if err := os.WriteFile(f.conf, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_ = os.Chtimes(f.conf, at, at)
	}
	edit(strings.Replace(basicConfig, "role_arn", "rol_arn", 1), time.Now().Add(time.Minute))
	if code, e := f.apiError(t, "/v1/credentials/p"); e.Code != api.CodeConfigInvalid {
		t.Fatalf("broken config: %d %+v, want config_invalid", code, e)
	}
	edit(basicConfig, time.Now().Add(2*time.Minute))
	if rec, _ := f.get(t, "/v1/credentials/p"); rec.Code != http.StatusOK {
		t.Fatalf("fixed config: %d %s", rec.Code, rec.Body)
	}
	if st := f.status(t); len(st.Failures) != 0 || len(st.Sessions) != 1 {
		t.Errorf("after the fix: failures %+v sessions %+v, want no failure and the session", st.Failures, st.Sessions)
	}
}

// A key set found missing stops showing once config.yaml no longer names
// it: its "run 'spin keys add ghost'" would be advice for nothing.
func TestMissingKeySetForgottenWithItsProfile(t *testing.T) {
	f := newFixture(t, statusConfig, time.Now)
	if code, _ := f.apiError(t, "/v1/credentials/ghosted"); code != http.StatusNotFound {
		t.Fatalf("ghosted: %d", code)
	}
	gone := strings.Replace(statusConfig, "  ghosted:\n    source: ghost\n", "  ghosted:\n    source: other\n", 1)
	if err := os.WriteFile(f.conf, []byte(gone), 0o600); err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(time.Minute)
	_ = os.Chtimes(f.conf, future, future)
	for _, ks := range f.status(t).KeySets {
		if ks.Name == "ghost" {
			t.Errorf("key set ghost still shown (%+v) after config.yaml stopped naming it", ks)
		}
	}
}

// Callers choose session names: a profile keeps only its latest failures.
func TestFailuresBoundedPerProfile(t *testing.T) {
	var f failures
	at := time.Unix(1_700_000_000, 0)
	for i := range 3 * maxFailuresPerProfile {
		name := fmt.Sprintf("s%d", i)
		f.note(sessionKey{"p", name}, name, &api.Error{Code: api.CodeSTSFailed, Message: "denied"}, at.Add(time.Duration(i)*time.Second))
	}
	f.note(sessionKey{"q", ""}, "", &api.Error{Code: api.CodeSTSFailed, Message: "denied"}, at)
	got := f.list(nil, func(sessionKey) bool { return false })
	if len(got) != maxFailuresPerProfile+1 {
		t.Fatalf("kept %d failures, want %d of p and q's one", len(got), maxFailuresPerProfile+1)
	}
	if oldest := got[0]; oldest.Profile != "p" || oldest.SessionName != fmt.Sprintf("s%d", 2*maxFailuresPerProfile) {
		t.Errorf("oldest kept of p is %+v, want s%d", oldest, 2*maxFailuresPerProfile)
	}
}

// A mistyped profile is an error naming the nearest one, not "cleared 0".
func TestClearUnknownProfile(t *testing.T) {
	f := newFixture(t, basicConfig, time.Now)
	rec := f.do(t, http.MethodDelete, "/v1/sessions/pp", "")
	var e api.Error
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code == http.StatusOK || e.Code != api.CodeUnknownProfile {
		t.Fatalf("clear of a mistyped profile: %d %s, want %s", rec.Code, rec.Body, api.CodeUnknownProfile)
	}
	if !strings.Contains(e.Message, `"p"`) {
		t.Errorf("message %q does not name the nearest profile p", e.Message)
	}
	if rec := f.do(t, http.MethodDelete, "/v1/sessions/p", ""); rec.Code != http.StatusOK {
		t.Errorf("clear of a known profile holding nothing: %d %s", rec.Code, rec.Body)
	}
}
