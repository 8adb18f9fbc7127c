package sessionscmd

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/api"
)

// daemon is spind holding sessions; it records what Clear was asked.
type daemon struct {
	sessions []api.SessionStatus
	profile  string
	mfa      bool
}

func (d *daemon) Status(context.Context) (api.Status, error) {
	return api.Status{Sessions: d.sessions}, nil
}

func (d *daemon) Clear(_ context.Context, profile string, mfa bool) (api.ClearedSessions, error) {
	d.profile, d.mfa = profile, mfa
	n := api.ClearedSessions{Cleared: 3}
	if mfa {
		n.MFACleared = 1
	}
	return n, nil
}

func TestClear(t *testing.T) {
	var out bytes.Buffer
	d := &daemon{}
	if err := Clear(t.Context(), d, "p", false, &out); err != nil || d.profile != "p" || d.mfa {
		t.Fatalf("err %v, asked %+v", err, d)
	}
	if out.String() != "cleared 3 session(s); the next request makes a new one\n" {
		t.Errorf("stdout %q", out.String())
	}
	out.Reset()
	if err := Clear(t.Context(), d, "", true, &out); err != nil || !d.mfa ||
		!strings.HasSuffix(out.String(), "cleared 1 MFA session(s); the next new session asks for a code\n") {
		t.Errorf("--mfa: err %v, stdout %q", err, out.String())
	}
}

func TestList(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := List(t.Context(), &daemon{}, &out, &errOut, false); err != nil || out.Len() != 0 || errOut.String() != "spin: no sessions held\n" {
		t.Errorf("none held: err %v, stdout %q, stderr %q", err, out.String(), errOut.String())
	}
	if err := List(t.Context(), &daemon{}, &out, &errOut, true); err != nil || out.String() != "[]\n" {
		t.Errorf("none held, --json: err %v, stdout %q", err, out.String())
	}
	out.Reset()
	d := &daemon{sessions: []api.SessionStatus{{Profile: "dev", SessionName: "spin-dev", RoleARN: "arn:aws:iam::123456789012:role/r",
		Expiration: time.Now().Add(time.Hour), STSCalls: 2, CacheHits: 5}}}
	if err := List(t.Context(), d, &out, &errOut, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"PROFILE", "dev", "spin-dev", "arn:aws:iam::123456789012:role/r"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}
