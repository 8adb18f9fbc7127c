package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// A hung STS (it accepts the connection and never answers) fails the
// helper with one line naming STS, the operation and the endpoint, after
// spind's --aws-timeout, instead of a unix-socket timeout after 50 s.
func TestHungSTSNamedByHelper(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.addKeys()
	w.run("", "daemon", "stop")
	hung := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		// Read the body so the server notices the client hanging up.
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		<-r.Context().Done()
	}))
	defer hung.Close()
	conf, err := os.ReadFile(w.config)
	if err != nil {
		t.Fatal(err)
	}
	w.writeFile(w.config, strings.Replace(string(conf), "sts: "+w.url, "sts: "+hung.URL, 1))

	_, spind := binaries(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := w.command(ctx, spind, "--socket", w.sock, "--aws-timeout", "2s")
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = d.Wait() }()
	defer w.run("", "daemon", "stop")
	waitFor(t, func() bool { _, err := os.Stat(w.sock); return err == nil })

	start := time.Now()
	out, errOut, err := w.helper("assume-test")
	took := time.Since(start)
	if err == nil {
		t.Fatalf("helper succeeded: %s", out)
	}
	want := regexp.MustCompile(`^spin: profile assume-test \(key set \S+\): assume \S+: sts AssumeRole at ` +
		regexp.QuoteMeta(hung.URL) + `: no answer in 2s: check that ` + regexp.QuoteMeta(hung.URL) + ` is the endpoint you meant.*'spin status'.*\n$`)
	if !want.MatchString(errOut) {
		t.Errorf("stderr = %q, want one line matching %s", errOut, want)
	}
	if took > 20*time.Second {
		t.Errorf("took %s to fail, want about 2s", took)
	}
	// spin status keeps the failure of a profile that holds no session:
	// when, the line and the hint.
	out = w.run("", "status")
	if !strings.Contains(out, "profile assume-test: no session, last request failed ") ||
		!strings.Contains(out, "sts AssumeRole at "+hung.URL+": no answer in 2s") || !strings.Contains(out, "  hint: check that ") {
		t.Errorf("status:\n%s\nwant the failure of assume-test", out)
	}
}
