package broker

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/internal/audit"
)

// Over a real socket: each request is audited with the peer's chain (this
// test binary, the requester, since it is not one of spin's programs),
// whether STS was called, and allowed_callers refuses other programs with
// a line naming the executable and the setting.
func TestCallersAuditedAndAllowedCallersEnforced(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, basicConfig+`  mine:
    source: user
    role_arn: arn:aws:iam::123456789012:role/r
    allowed_callers: [`+filepath.Dir(exe)+`/*]
  theirs:
    source: user
    role_arn: arn:aws:iam::123456789012:role/r
    allowed_callers: [/usr/bin/aws]
`, time.Now)
	logPath := filepath.Join(t.TempDir(), "audit.log")
	l, err := audit.Open(logPath, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	f.b.cfg.Audit = l
	c := serveSocket(t, f)
	ctx := t.Context()

	for range 2 {
		if _, err := c.Credentials(ctx, "mine", ""); err != nil {
			t.Fatalf("allowed caller refused: %v", err)
		}
	}
	_, err = c.Credentials(ctx, "theirs", "")
	var aerr *api.Error
	if !errors.As(err, &aerr) || aerr.Code != api.CodeCallerNotAllowed {
		t.Fatalf("got %v, want %s", err, api.CodeCallerNotAllowed)
	}
	if ce, ok := errors.AsType[*client.Error](err); !ok || ce.Status != http.StatusForbidden {
		t.Errorf("refusal %v is not a 403 Forbidden", err)
	}
	for _, want := range []string{"profile theirs refused " + exe, "allowed_callers [/usr/bin/aws]"} {
		if !strings.Contains(aerr.Message, want) {
			t.Errorf("message %q lacks %q", aerr.Message, want)
		}
	}
	if !strings.Contains(aerr.Hint, f.conf+":") || strings.Contains(aerr.Message+aerr.Hint, "\n") {
		t.Errorf("hint %q should name %s:LINE:COL on one line", aerr.Hint, f.conf)
	}
	if n := f.sts.calls.Load(); n != 1 {
		t.Errorf("%d STS calls, want 1 (the refused caller got none)", n)
	}

	recs, _, err := audit.Read(logPath, audit.Filter{})
	if err != nil || len(recs) != 3 {
		t.Fatalf("audit has %d records (%v), want 3", len(recs), err)
	}
	wantOutcome := []string{audit.OK, audit.OK, audit.NotAllowed}
	wantSTS := []bool{true, false, false}
	for i, r := range recs {
		if r.Outcome != wantOutcome[i] || r.STS != wantSTS[i] || r.Caller.Exe != exe || r.Caller.PID != os.Getpid() ||
			len(r.Chain) < 2 || r.Chain[0].PID != os.Getpid() || r.Chain[1].PID != os.Getppid() {
			t.Errorf("record %d = %+v, want outcome %s, sts %v, caller this test, chain up through its parent", i, r, wantOutcome[i], wantSTS[i])
		}
	}
	if recs[0].SessionName == "" || recs[0].Profile != "mine" {
		t.Errorf("record lacks profile or session name: %+v", recs[0])
	}
	st, err := c.Status(ctx)
	if err != nil || len(st.Callers) != 3 {
		t.Errorf("status shows %d callers (%v), want 3", len(st.Callers), err)
	}
}

// status --callers keeps each profile's last recentCallers requests,
// oldest first across profiles, however many came before.
func TestRecentCallersKeepTheLastOfEachProfile(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	f := newFixture(t, basicConfig, clk.Now)
	var want []string
	for i := range 3*recentCallers + 3 {
		profile := "a"
		if i%4 == 3 {
			profile = "b"
		}
		name := profile + "-" + strconv.Itoa(i)
		f.b.record(asker{}, profile, name, false, nil)
		clk.Add(time.Second)
		want = append(want, name)
	}
	// What is kept: b's 8 requests are under 10; a's last 10.
	var kept []string
	na := 0
	for i := len(want) - 1; i >= 0; i-- {
		if strings.HasPrefix(want[i], "a-") {
			if na++; na > recentCallers {
				continue
			}
		}
		kept = append([]string{want[i]}, kept...)
	}
	var got []string
	for _, r := range f.b.recentCallers() {
		got = append(got, r.SessionName)
	}
	if strings.Join(got, " ") != strings.Join(kept, " ") {
		t.Errorf("recent callers:\n got %v\nwant %v", got, kept)
	}
}

// Within a profile the order is that of the requests, even for requests
// within one tick of the clock.
func TestRecentCallersInRequestOrder(t *testing.T) {
	f := newFixture(t, basicConfig, func() time.Time { return time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC) })
	var want []string
	for i := range 2*recentCallers + 3 {
		name := "s-" + strconv.Itoa(i)
		f.b.record(asker{}, "p", name, false, nil)
		want = append(want, name)
	}
	var got []string
	for _, r := range f.b.recentCallers() {
		got = append(got, r.SessionName)
	}
	if want = want[len(want)-recentCallers:]; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("recent callers:\n got %v\nwant %v", got, want)
	}
}
