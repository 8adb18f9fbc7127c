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
