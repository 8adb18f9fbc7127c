package broker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/keystore"
	"github.com/cloudspin/spin/profiles"
)

// fakeSource stands for a source that needs no keyring (as sso, login and
// web_identity do not, once signed in): it makes sessions of the profile's
// duration, or fails, or answers signin_required.
type fakeSource struct {
	now      func() time.Time
	prepares atomic.Int32
	obtains  atomic.Int32
	fail     atomic.Bool
	signedIn atomic.Bool
	delay    time.Duration
}

func (f *fakeSource) Direct(context.Context, Request) (api.Credentials, bool, *api.Error) {
	return api.Credentials{}, false, nil
}

func (f *fakeSource) Prepare(_ context.Context, req Request) (Obtain, *api.Error) {
	f.prepares.Add(1)
	if !f.signedIn.Load() {
		return nil, signinRequired(req.Profile.Source, req.Def.Kind, "run 'spin login "+req.Profile.Source+"'",
			"source %s needs a sign-in", req.Profile.Source)
	}
	return func(context.Context) (api.Credentials, error) {
		n := f.obtains.Add(1)
		time.Sleep(f.delay)
		if f.fail.Load() {
			return api.Credentials{}, errors.New("portal down")
		}
		return api.Credentials{AccessKeyID: fmt.Sprintf("ASIASRC%013d", n), SecretAccessKey: secret.New("s"),
			SessionToken: secret.New("t"), Expiration: f.now().Add(req.Profile.Duration)}, nil
	}, nil
}

func (f *fakeSource) Explain(req Request, err error) *api.Error {
	return errorf(api.CodeSTSFailed, "retry", "profile %s (source %s): %v", req.Profile.Name, req.Profile.Source, err)
}

const sourcesConfig = `keyring:
  backend: file
sources:
  me:
    login: {region: us-east-1}
  corp:
    sso: {start_url: "https://d-1234567890.awsapps.com/start", region: us-east-1}
profiles:
  ops:
    source: me
    role_arn: arn:aws:iam::123456789012:role/ops
    duration: 3s
    min_validity: 1s
  dev: {source: corp, sso_account_id: "123456789012", sso_role_name: Dev}
`

// newSourceFixture serves sourcesConfig with fakeSource as the login kind
// and a keyring that fails the test if anything opens it: the file backend
// has no passphrase, so a key set lookup would also answer locked.
func newSourceFixture(t *testing.T, now func() time.Time) (*fixture, *fakeSource) {
	f := newFixture(t, sourcesConfig, now)
	src := &fakeSource{now: now}
	src.signedIn.Store(true)
	f.b.sources[profiles.KindLogin] = src
	f.b.cfg.OpenKeys = func(keystore.Config) (Keys, error) {
		t.Error("the keyring was opened for a profile whose source needs none")
		return nil, errors.New("no keyring here")
	}
	return f, src
}

func TestSourceSessionsShareTheCache(t *testing.T) {
	f, src := newSourceFixture(t, time.Now)
	src.delay = 100 * time.Millisecond
	var wg sync.WaitGroup
	for range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if rec, c := f.get(t, "/v1/credentials/ops"); rec.Code != http.StatusOK || c.AccessKeyID != "ASIASRC0000000000001" {
				t.Errorf("got %d %s, want the one session", rec.Code, c.AccessKeyID)
			}
		}()
	}
	wg.Wait()
	if n := src.obtains.Load(); n != 1 {
		t.Fatalf("sessions made for 30 callers = %d, want 1 (single flight)", n)
	}
	// Refresh ahead: handed-out expiry 2.7s, refresh at 2.7-1-0.3 = 1.4s.
	time.Sleep(2 * time.Second)
	if n := src.obtains.Load(); n != 2 {
		t.Fatalf("sessions after 2s = %d, want 2 (one refresh ahead)", n)
	}
	// AWS fails: the cached session keeps being served while valid.
	src.fail.Store(true)
	if rec, c := f.get(t, "/v1/credentials/ops"); rec.Code != http.StatusOK || c.AccessKeyID != "ASIASRC0000000000002" {
		t.Errorf("source failing, session valid: got %d %s, want the cached session", rec.Code, c.AccessKeyID)
	}
	if st := f.status(t); len(st.Sessions) != 1 || st.Sessions[0].STSCalls != 2 {
		t.Errorf("status = %+v, want one session made twice", st.Sessions)
	}
}

func TestSourceSigninRequired(t *testing.T) {
	f, src := newSourceFixture(t, time.Now)
	src.signedIn.Store(false)
	rec, _ := f.get(t, "/v1/credentials/ops")
	e := decodeErr(t, rec)
	if rec.Code != http.StatusUnauthorized || e.Code != api.CodeSigninRequired || e.Source != "me" || e.SourceKind != "login" ||
		e.Hint != "run 'spin login me'" {
		t.Errorf("got %d %+v, want 401 signin_required naming source me (login) and spin login", rec.Code, e)
	}
}

func TestSourceEditDropsItsSessions(t *testing.T) {
	f, src := newSourceFixture(t, time.Now)
	f.get(t, "/v1/credentials/ops")
	f.get(t, "/v1/credentials/ops")
	if n := src.obtains.Load(); n != 1 {
		t.Fatalf("sessions = %d, want 1", n)
	}
	writeConfig(t, f, strings.Replace(sourcesConfig, "region: us-east-1}", "region: eu-west-1}", 1))
	f.get(t, "/v1/credentials/ops")
	if n := src.obtains.Load(); n != 2 {
		t.Errorf("sessions after the source's region changed = %d, want 2", n)
	}
}

func TestSourceKindNotServed(t *testing.T) {
	f, _ := newSourceFixture(t, time.Now)
	delete(f.b.sources, profiles.KindSSO) // as a spind without that kind
	rec, _ := f.get(t, "/v1/credentials/dev")
	if e := decodeErr(t, rec); rec.Code != http.StatusBadRequest || !strings.Contains(e.Message, "source corp is of kind sso") {
		t.Errorf("got %d %+v, want 400 naming the source and its kind", rec.Code, e)
	}
}

func TestKeySetNameTakenBySource(t *testing.T) {
	f, _ := newSourceFixture(t, time.Now)
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "/v1/keys/me",
		strings.NewReader(`{"access_key_id":"AKIAIOSFODNN7EXAMPLE","secret_access_key":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}`)))
	if e := decodeErr(t, rec); rec.Code != http.StatusConflict || !strings.Contains(e.Message, "me is a source under sources:") {
		t.Errorf("got %d %+v, want 409 naming the source", rec.Code, e)
	}
}

// writeConfig replaces the fixture's config and moves its mtime on, so
// spind's one-stat check sees the edit at once.
func writeConfig(t *testing.T, f *fixture, config string) {
	t.Helper()
	if err := os.WriteFile(f.conf, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(time.Minute)
	_ = os.Chtimes(f.conf, future, future)
}
