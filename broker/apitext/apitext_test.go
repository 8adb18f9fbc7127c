package apitext

import (
	"strings"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/api"
)

var now = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestSourceLine(t *testing.T) {
	for _, tc := range []struct {
		s    api.SourceStatus
		want string
	}{
		{api.SourceStatus{Name: "k", Kind: "keyset"}, "source k (keyset): no sign-in"},
		{api.SourceStatus{Name: "corp", Kind: "sso"}, "source corp (sso): not signed in: run 'spin login corp'"},
		{api.SourceStatus{Name: "corp", Kind: "sso", Pending: true}, "source corp (sso): not signed in (a sign-in is in progress)"},
		{api.SourceStatus{Name: "corp", Kind: "sso", SignedIn: true, Expires: now.Add(time.Hour), LastRefresh: now.Add(-time.Minute)},
			"source corp (sso): signed in, access token expires in 1h0m0s, last refresh 1m0s ago"},
		{api.SourceStatus{Name: "me", Kind: "login", SignedIn: true, Principal: "arn:aws:iam::123456789012:user/a", Expires: now.Add(15 * time.Minute), Refreshes: 3},
			"source me (login): signed in as arn:aws:iam::123456789012:user/a, console credentials expire in 15m0s, 3 refreshes"},
		{api.SourceStatus{Name: "corp", Kind: "sso", LastError: "bad\x1b[31m token"},
			"source corp (sso): not signed in: run 'spin login corp'; last error: bad token"},
	} {
		if got := SourceLine(tc.s, now); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}

func TestStatus(t *testing.T) {
	st := api.Status{
		NetFrom:   "config.yaml",
		Endpoints: map[string]string{"sts": "http://127.0.0.1:4566", "sso": "http://127.0.0.1:4567"},
		Network:   &api.NetworkStatus{HTTPSProxy: "http://proxy:3128"},
		Sessions: []api.SessionStatus{{Profile: "p", SessionName: "s", RoleARN: "arn:aws:iam::123456789012:role/r",
			Expiration: now.Add(30 * time.Minute), STSCalls: 2, CacheHits: 5}},
	}
	var b strings.Builder
	if err := Status(&b, st, now); err != nil {
		t.Fatal(err)
	}
	want := `AWS calls go through (from config.yaml):
  sso endpoint: http://127.0.0.1:4567
  sts endpoint: http://127.0.0.1:4566
  https_proxy: http://proxy:3128
PROFILE  SESSION  ROLE                              EXPIRES IN  STS CALLS  CACHE HITS  LAST ERROR
p        s        arn:aws:iam::123456789012:role/r  30m0s       2          5           -
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	if err := Status(&b, api.Status{}, now); err != nil || b.String() != "no sessions held\n" {
		t.Errorf("empty: got %q, %v", b.String(), err)
	}
}

func TestKeys(t *testing.T) {
	var b strings.Builder
	if err := Keys(&b, []api.KeyInfo{{Name: "u", AccessKeyID: "AKIA…MPLE", AllowExport: true}, {Name: "v", AccessKeyID: "AKIA…ABCD", MFASerial: "arn:aws:iam::1:mfa/v"}}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"NAME  ACCESS KEY ID", "u     AKIA…MPLE      -                     allowed", "v     AKIA…ABCD      arn:aws:iam::1:mfa/v  -"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in\n%s", want, b.String())
		}
	}
}

// status shows what spind knows without a session: each key set and its
// MFA session, web identity sources, and profiles whose last request
// failed (with when and the next step).
func TestStatusStates(t *testing.T) {
	st := api.Status{
		Sources: []api.SourceStatus{
			{Name: "ci", Kind: "web_identity", TokenFrom: "GitHub Actions' OIDC token", NeedsToken: true},
			{Name: "file", Kind: "web_identity", TokenFrom: "the token in /run/token"},
		},
		KeySets: []api.KeySetStatus{
			{Name: "me", Loaded: true, AccessKeyID: "AKIA…MPLE", MFASerial: "arn:aws:iam::1:mfa/me", MFAExpires: now.Add(11 * time.Hour), Profiles: []string{"dev"}},
			{Name: "ops", MFASerial: "arn:aws:iam::1:mfa/ops", NeedsMFA: true, Profiles: []string{"prod", "stage"}},
			{Name: "plain", Loaded: true, AccessKeyID: "AKIA…ABCD"},
			{Name: "unread", Profiles: []string{"x"}},
			{Name: "ghost", Missing: true, Profiles: []string{"y"}},
		},
		Sessions: []api.SessionStatus{{Profile: "dev", SessionName: "s", Expiration: now.Add(time.Hour), STSCalls: 1,
			LastError: "Throttling: slow down", LastErrorAt: now.Add(-90 * time.Second)}},
		Failures: []api.FailureStatus{{Profile: "prod", Code: "sts_failed", At: now.Add(-2 * time.Minute),
			Error: "profile prod (key set ops): assume r: sts AssumeRole at https://sts.example: no answer in 15s", Hint: "check that\x1b[2J it answers"}},
	}
	var b strings.Builder
	if err := Status(&b, st, now); err != nil {
		t.Fatal(err)
	}
	at := now.Add(-2 * time.Minute).Local().Format("15:04:05")
	for _, want := range []string{
		"source ci (web_identity): GitHub Actions' OIDC token: the job's token request was not handed over yet",
		"source file (web_identity): no sign-in; uses the token in /run/token\n",
		"key set me: AKIA…MPLE, MFA session expires in 11h0m0s\n",
		"key set ops: not read from the keyring yet, no MFA session: the next new session asks for a code ('spin mfa prod')\n",
		"key set plain: AKIA…ABCD, no MFA device\n",
		"key set unread: not read from the keyring yet\n",
		"key set ghost: not in the keyring: run 'spin keys add ghost'\n",
		"1m30s ago: Throttling: slow down",
		"profile prod: no session, last request failed 2m0s ago (" + at + "): profile prod (key set ops): assume r: sts AssumeRole at https://sts.example: no answer in 15s\n  hint: check that it answers\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in\n%s", want, b.String())
		}
	}
}
