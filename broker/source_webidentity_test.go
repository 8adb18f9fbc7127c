package broker

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/awsemu"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/keystore"
)

const ciRole = "arn:aws:iam::444455556666:role/deploy"

type ciFixture struct {
	*emuFixture
	iss  *awsemu.Issuer
	logs *lockedBuffer
	dir  string
}

// newCIFixture is spind with a web_identity-only config (sources: below
// the given YAML), STS in the emulator, an OIDC issuer the emulator trusts
// for pushes to cloudspin/spin's main, and a keyring that fails the test
// if anything opens it.
func newCIFixture(t *testing.T, sources string) *ciFixture {
	t.Helper()
	iss, err := awsemu.NewIssuer(nil, 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	issSrv := httptest.NewServer(iss)
	t.Cleanup(issSrv.Close)
	iss.SetURL(issSrv.URL)
	dir := t.TempDir()
	config := fmt.Sprintf(`keyring:
  backend: file
sources:
%s
profiles:
  deploy:
    source: ci
    role_arn: %s
    duration: 4s
    min_validity: 1s
`, strings.ReplaceAll(sources, "DIR", dir), ciRole)
	ef := newEmuFixture(t, config, 1)
	ef.emu.AddOIDCProvider(awsemu.OIDCProvider{URL: issSrv.URL, ClientIDs: []string{"sts.amazonaws.com"}})
	ef.emu.TrustWebIdentity(awsemu.WebIdentityTrust{RoleARN: ciRole, Federated: issSrv.URL,
		Subjects: []string{"repo:cloudspin/spin:ref:refs/heads/main"}, Audience: "sts.amazonaws.com"})
	ef.b.cfg.OpenKeys = func(keystore.Config) (Keys, error) {
		t.Error("the keyring was opened for a web_identity-only config")
		return nil, errors.New("no keyring in CI")
	}
	logs := &lockedBuffer{}
	ef.b.log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return &ciFixture{emuFixture: ef, iss: iss, logs: logs, dir: dir}
}

func (f *ciFixture) putGitHubRequest(t *testing.T, source, url, token string) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	_ = api.GitHubRequest{URL: url, Token: secret.New(token)}.Encode(&body)
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "/v1/sources/"+source+"/github-request", &body))
	return rec
}

// mainToken is a token for a push to main, as a CI writes it to a file.
func (f *ciFixture) mainToken(extra awsemu.Claims) string {
	c := awsemu.Claims{"sub": "repo:cloudspin/spin:ref:refs/heads/main", "aud": "sts.amazonaws.com",
		"project_path": "cloudspin/spin", "pipeline_id": "777"}
	for k, v := range extra {
		c[k] = v
	}
	return f.iss.Mint(c)
}

func TestWebIdentityGitHubActions(t *testing.T) {
	f := newCIFixture(t, "  ci:\n    web_identity: {github_actions: true}")
	// Before the CLI hands over the job's token request: signin_required.
	rec, _ := f.get(t, "/v1/credentials/deploy")
	if e := decodeErr(t, rec); rec.Code != http.StatusUnauthorized || e.Code != api.CodeSigninRequired || e.Source != "ci" || e.SourceKind != "web_identity" {
		t.Fatalf("without a token request: %d %+v, want 401 signin_required naming source ci", rec.Code, e)
	}
	reqURL, reqToken := f.iss.GitHubRequest()
	if rec := f.putGitHubRequest(t, "ci", reqURL, reqToken); rec.Code != http.StatusNoContent {
		t.Fatalf("PUT github-request: %d %s", rec.Code, rec.Body)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if rec, c := f.get(t, "/v1/credentials/deploy"); rec.Code != http.StatusOK || !strings.HasPrefix(c.AccessKeyID, "ASIA") {
				t.Errorf("got %d %s", rec.Code, rec.Body)
			}
		}()
	}
	wg.Wait()
	calls := f.emu.WebIdentityCalls()
	if len(calls) != 1 || f.iss.MintedFor("sts.amazonaws.com") != 1 {
		t.Fatalf("20 callers made %d sessions from %d tokens, want 1 and 1", len(calls), f.iss.MintedFor("sts.amazonaws.com"))
	}
	if want := "gh-cloudspin.spin-9876543210"; calls[0].RoleSessionName != want {
		t.Errorf("session name %q, want %q (repository and run id)", calls[0].RoleSessionName, want)
	}
	// Refresh ahead makes the next session with a token minted for it.
	time.Sleep(3 * time.Second)
	f.get(t, "/v1/credentials/deploy")
	calls = f.emu.WebIdentityCalls()
	if len(calls) < 2 || calls[1].TokenID == calls[0].TokenID {
		t.Errorf("calls %+v, want a second session with a fresh token", calls)
	}
	if strings.Contains(f.logs.String(), reqToken) {
		t.Error("spind's log holds the GitHub request token")
	}
	if rec := f.putGitHubRequest(t, "nope", reqURL, reqToken); rec.Code != http.StatusNotFound {
		t.Errorf("request for an unknown source: %d, want 404", rec.Code)
	}
}

// A self-hosted runner runs its jobs one after the other as one user, so
// they share spind. The next job's token request replaces the last one's,
// and so do the sessions: a pull request's job must not be handed the
// session minted with main's token, which its own token would not get.
func TestWebIdentityNextJobGetsNoSessionOfTheLast(t *testing.T) {
	f := newCIFixture(t, "  ci:\n    web_identity: {github_actions: true}")
	reqURL, reqToken := f.iss.GitHubRequest()
	f.putGitHubRequest(t, "ci", reqURL, reqToken)
	rec, mainSession := f.get(t, "/v1/credentials/deploy")
	if rec.Code != http.StatusOK {
		t.Fatalf("the job on main: %d %s", rec.Code, rec.Body)
	}

	pr := awsemu.DefaultGitHubRun
	pr.EventName, pr.RunID = "pull_request", "9876543211"
	f.iss.SetGitHubRun(pr)
	reqURL, reqToken = f.iss.GitHubRequest()
	f.putGitHubRequest(t, "ci", reqURL, reqToken)
	rec, got := f.get(t, "/v1/credentials/deploy")
	if rec.Code == http.StatusOK || got.AccessKeyID == mainSession.AccessKeyID {
		t.Errorf("the pull request's job: %d, key %s (main's %s); want the trust policy's refusal of its own token",
			rec.Code, got.AccessKeyID, mainSession.AccessKeyID)
	}
	if e := decodeErr(t, rec); !strings.Contains(e.Message, `sub "repo:cloudspin/spin:pull_request"`) {
		t.Errorf("the pull request's job: %+v, want the refusal naming its sub", e)
	}

	// The same job handing over its request again keeps its session.
	f.iss.SetGitHubRun(awsemu.DefaultGitHubRun)
	reqURL, reqToken = f.iss.GitHubRequest()
	f.putGitHubRequest(t, "ci", reqURL, reqToken)
	_, first := f.get(t, "/v1/credentials/deploy")
	f.putGitHubRequest(t, "ci", reqURL, reqToken)
	if _, again := f.get(t, "/v1/credentials/deploy"); again.AccessKeyID != first.AccessKeyID {
		t.Errorf("the same request again: key %s, want the session %s kept", again.AccessKeyID, first.AccessKeyID)
	}
}

func TestWebIdentityTokenFileRereadEachSession(t *testing.T) {
	f := newCIFixture(t, "  ci:\n    web_identity: {token_file: DIR/token}")
	path := filepath.Join(f.dir, "token")
	write := func(tok string) {
		if err := os.WriteFile(path+".tmp", []byte(tok+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(path+".tmp", path); err != nil { // as kubelet swaps projected tokens
			t.Fatal(err)
		}
	}
	first, second := f.mainToken(awsemu.Claims{"jti": "first"}), f.mainToken(awsemu.Claims{"jti": "second"})
	write(first)
	if rec, _ := f.get(t, "/v1/credentials/deploy"); rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	write(second) // rotated during the run
	time.Sleep(3 * time.Second)
	f.get(t, "/v1/credentials/deploy")
	calls := f.emu.WebIdentityCalls()
	if len(calls) < 2 || calls[0].TokenID != "first" || calls[1].TokenID != "second" {
		t.Fatalf("calls %+v, want the first session from the first token and the refresh from the rotated one", calls)
	}
	if want := "gl-cloudspin.spin-777"; calls[0].RoleSessionName != want {
		t.Errorf("session name %q, want %q (GitLab project and pipeline)", calls[0].RoleSessionName, want)
	}
	for _, tok := range []string{first, second} {
		if strings.Contains(f.logs.String(), tok) || strings.Contains(f.logs.String(), strings.Split(tok, ".")[2]) {
			t.Error("spind's log holds a token")
		}
	}
}

func TestWebIdentityTokenCommandOncePerSession(t *testing.T) {
	f := newCIFixture(t, "  ci:\n    web_identity: {token_command: \"echo run >> DIR/runs; cat DIR/token\"}")
	if err := os.WriteFile(filepath.Join(f.dir, "token"), []byte(f.mainToken(nil)), 0o600); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if rec, _ := f.get(t, "/v1/credentials/deploy"); rec.Code != http.StatusOK {
				t.Errorf("got %d %s", rec.Code, rec.Body)
			}
		}()
	}
	wg.Wait()
	time.Sleep(3 * time.Second) // one refresh ahead
	f.get(t, "/v1/credentials/deploy")
	runs, _ := os.ReadFile(filepath.Join(f.dir, "runs"))
	if n, sessions := strings.Count(string(runs), "run\n"), len(f.emu.WebIdentityCalls()); n != sessions || n < 2 {
		t.Errorf("token_command ran %d times for %d sessions, want once per session (and a refresh)", n, sessions)
	}
}

func TestWebIdentityRefusalsNameCauseAndFix(t *testing.T) {
	tests := []struct {
		name, sources string
		token         func(f *ciFixture) string // written to DIR/token, if set
		inMessage     []string
		inHint        string
	}{
		{"wrong audience", "  ci:\n    web_identity: {github_actions: true, audience: https://github.com/cloudspin}", nil,
			[]string{"profile deploy (source ci)", `audience "https://github.com/cloudspin" is not a client id`, "InvalidIdentityToken"}, "set audience: in source ci"},
		{"expired token file", "  ci:\n    web_identity: {token_file: DIR/token}", func(f *ciFixture) string {
			return f.mainToken(awsemu.Claims{"iat": time.Now().Add(-time.Hour).Unix(), "exp": time.Now().Add(-time.Minute).Unix()})
		}, []string{"the OIDC token from the token in", "has expired (at ", "ExpiredTokenException"}, "must replace the token before it expires"},
		{"untrusted sub", "  ci:\n    web_identity: {token_file: DIR/token}", func(f *ciFixture) string {
			return f.mainToken(awsemu.Claims{"sub": "repo:cloudspin/spin:ref:refs/heads/feature"})
		}, []string{"trust policy of " + ciRole + " does not allow this token", `sub "repo:cloudspin/spin:ref:refs/heads/feature"`, "AccessDenied"}, "allow the token's sub"},
		{"missing token file", "  ci:\n    web_identity: {token_file: DIR/missing}", nil,
			[]string{"token_file", "missing does not exist"}, "write the OIDC token there"},
		{"failing token_command", "  ci:\n    web_identity: {token_command: \"echo no credentials helper >&2; exit 3\"}", nil,
			[]string{"token_command failed: exit status 3: no credentials helper"}, "run token_command by hand"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newCIFixture(t, tt.sources)
			if tt.token != nil {
				if err := os.WriteFile(filepath.Join(f.dir, "token"), []byte(tt.token(f)), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			reqURL, reqToken := f.iss.GitHubRequest()
			f.putGitHubRequest(t, "ci", reqURL, reqToken)
			code, e := f.apiError(t, "/v1/credentials/deploy")
			for _, want := range tt.inMessage {
				if !strings.Contains(e.Message, want) {
					t.Errorf("message %q lacks %q", e.Message, want)
				}
			}
			if code != http.StatusBadGateway || !strings.Contains(e.Hint, tt.inHint) || strings.Contains(e.Message+e.Hint, "\n") {
				t.Errorf("got %d, hint %q; want 502 and a one-line hint with %q", code, e.Hint, tt.inHint)
			}
		})
	}
}

// `spin daemon start` and `spin daemon status` ask spind to open its
// keyring (?keyring=check); a web_identity-only config has nothing there,
// so spind does not try and reports no keyring problem: CI has no
// keyring. A key set's profile does need it.
func TestKeyringCheckSkippedForWebIdentityOnly(t *testing.T) {
	const ci = `keyring:
  backend: secret-service
sources:
  ci:
    web_identity: {github_actions: true}
profiles:
  deploy:
    source: ci
    role_arn: ` + ciRole + "\n"
	for config, wantOpen := range map[string]bool{ci: false, ci + "  admin:\n    source: user\n": true} {
		f := newEmuFixture(t, config, 1)
		opened := false
		f.b.cfg.OpenKeys = func(keystore.Config) (Keys, error) {
			opened = true
			return nil, errors.New("no keyring in CI")
		}
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, api.PathStatus+"?keyring=check", nil))
		var st api.Status
		if err := json.NewDecoder(rec.Body).Decode(&st); err != nil || rec.Code != http.StatusOK {
			t.Fatalf("status: %d %v", rec.Code, err)
		}
		if opened != wantOpen || (st.KeyringError != "") != wantOpen {
			t.Errorf("keyring opened %v, error %q; want opened %v for\n%s", opened, st.KeyringError, wantOpen, config)
		}
	}
}

// spin login (or logout) of a web_identity source: there is nothing to
// sign in to, and the answer says where its token comes from instead.
func TestWebIdentitySigninSaysNoneIsNeeded(t *testing.T) {
	f := newCIFixture(t, "  ci:\n    web_identity: {token_file: /run/ci/token}")
	for _, r := range []*http.Request{
		httptest.NewRequest(http.MethodPost, "/v1/signin/ci", strings.NewReader(`{"mode":"browser","redirect_uri":"http://127.0.0.1:1/oauth/callback"}`)),
		httptest.NewRequest(http.MethodDelete, "/v1/signin/ci", nil),
	} {
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, r)
		e := decodeErr(t, rec)
		if rec.Code != http.StatusBadRequest || e.Message != "source ci (web_identity) needs no sign-in: spind uses the token in /run/ci/token for every session" ||
			e.Hint != "use its profiles as they are" {
			t.Errorf("%s %s: %d %+v", r.Method, r.URL.Path, rec.Code, e)
		}
	}
}
