package broker

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// With --debug each request is logged with its status; without it the
// line is skipped, and so is what it would cost (the clock, the status
// recorder, slog's arguments).
func TestRequestLineOnlyAtDebug(t *testing.T) {
	f := newFixture(t, basicConfig, time.Now)
	var logs bytes.Buffer
	f.b.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.get(t, "/v1/credentials/nosuch")
	if line := logs.String(); !strings.Contains(line, "msg=request method=GET path=/v1/credentials/nosuch status=404 took=") {
		t.Errorf("debug log: %q, want the request line with status 404", line)
	}
	logs.Reset()
	f.b.log = slog.New(slog.NewTextHandler(&logs, nil))
	f.get(t, "/v1/credentials/nosuch")
	if strings.Contains(logs.String(), "msg=request ") {
		t.Errorf("info log has the request line: %q", logs.String())
	}
}

// A credentials answer is JSON that no cache may keep, every time.
func TestCredentialsAnswerHeaders(t *testing.T) {
	f := newFixture(t, basicConfig, time.Now)
	for i, path := range []string{"/v1/credentials/p", "/v1/credentials/p?session_name=other-name", "/v1/credentials/p"} {
		rec, c := f.get(t, path)
		if rec.Code != 200 || c.AccessKeyID == "" {
			t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
		if ct, cc := rec.Header().Get("Content-Type"), rec.Header().Get("Cache-Control"); ct != "application/json" || cc != "no-store" {
			t.Errorf("answer %d: Content-Type %q, Cache-Control %q; want application/json, no-store", i, ct, cc)
		}
	}
	// The query still names the session: two sessions were made.
	if n := f.sts.calls.Load(); n != 2 {
		t.Errorf("%d AssumeRole calls, want 2 (fixed and other-name)", n)
	}
}
