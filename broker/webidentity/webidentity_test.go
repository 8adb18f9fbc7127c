package webidentity

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/profiles"
)

func jwt(payload string) string {
	return "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + ".c2ln"
}

func TestSessionName(t *testing.T) {
	long := strings.Repeat("r", 80)
	tests := []struct {
		claims Claims
		want   string
	}{
		{Claims{Repository: "cloudspin/spin", RunID: "9876543210"}, "gh-cloudspin.spin-9876543210"},
		{Claims{Repository: "o/" + long, RunID: "123"}, "gh-o." + strings.Repeat("r", 64-len("gh-o.")-len("-123")) + "-123"},
		{Claims{Project: "group/sub group/p", PipelineID: "77"}, "gl-group.sub_group.p-77"},
		{Claims{Sub: "system:serviceaccount:ci:deployer"}, "spin-ci-runner-1"},
	}
	for _, tt := range tests {
		got := SessionName(tt.claims, "runner-1")
		if got != tt.want || len(got) > 64 {
			t.Errorf("SessionName(%+v) = %q (%d), want %q", tt.claims, got, len(got), tt.want)
		}
	}
}

func TestParseClaimsLenient(t *testing.T) {
	c, err := parseClaims([]byte(jwt(`{"sub":"s","exp":1700000000,"run_id":12345,"repository":"a/b"}`)))
	if err != nil || c.RunID != "12345" || c.Exp != 1700000000 || c.Repository != "a/b" {
		t.Errorf("got %+v, %v", c, err)
	}
	for _, bad := range []string{"opaque-access-token", "a.b", "a.%%%.c", jwt("not json")} {
		if _, err := parseClaims([]byte(bad)); err == nil {
			t.Errorf("parseClaims(%q) accepted a non-JWT", bad)
		}
	}
}

func TestGitHubEndpoint(t *testing.T) {
	var gotAuth, gotAud string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotAud = r.Header.Get("Authorization"), r.URL.Query().Get("audience")
		if gotAuth != "Bearer req-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{"count":1,"value":"` + jwt(`{"sub":"repo:o/r:ref:refs/heads/main"}`) + `"}`))
	}))
	defer srv.Close()
	f := &Fetcher{}
	src := profiles.WebIdentitySource{GitHubActions: true, Audience: "sts.amazonaws.com"}
	tok, err := f.Fetch(context.Background(), src, GitHubRequest{URL: srv.URL + "/_apis/idtoken?api-version=2.0", Token: secret.New("req-token")})
	if err != nil || tok.Claims.Sub != "repo:o/r:ref:refs/heads/main" || gotAud != "sts.amazonaws.com" {
		t.Fatalf("got %+v %v (audience %q)", tok.Claims, err, gotAud)
	}
	_, err = f.Fetch(context.Background(), src, GitHubRequest{URL: srv.URL + "/_apis/idtoken", Token: secret.New("stale")})
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Msg, "401") || !strings.Contains(e.Hint, "id-token: write") {
		t.Errorf("refused request: got %v, want one naming the 401 and the permission", err)
	}
	_, err = f.Fetch(context.Background(), src, GitHubRequest{})
	if !errors.As(err, &e) || e.Hint != "add `permissions: id-token: write` to the job" {
		t.Errorf("no request: got %v", err)
	}
}

func TestCommandKeepsStdoutOutOfErrors(t *testing.T) {
	f := &Fetcher{Dir: t.TempDir()}
	_, err := f.Fetch(context.Background(), profiles.WebIdentitySource{TokenCommand: "echo eyJsecret.token.value; echo oops >&2; exit 1"}, GitHubRequest{})
	if err == nil || strings.Contains(err.Error(), "eyJsecret") || !strings.Contains(err.Error(), "oops") {
		t.Errorf("got %v, want stderr's last line and never stdout", err)
	}
	_, err = f.Fetch(context.Background(), profiles.WebIdentitySource{TokenCommand: "echo not-a-jwt"}, GitHubRequest{})
	if err == nil || strings.Contains(err.Error(), "not-a-jwt") || !strings.Contains(err.Error(), "not an ID token") {
		t.Errorf("got %v, want a refusal that does not echo the output", err)
	}
}
