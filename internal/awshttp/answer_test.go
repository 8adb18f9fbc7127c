package awshttp

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A server that answers in time passes through untouched; one that never
// answers, or stops in the middle of its body, fails with *NoAnswerError
// naming the service and endpoint, which the SDK's retryer must not retry.
func TestWithAnswerTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/hang":
			select {
			case <-r.Context().Done():
			case <-release:
			}
		case "/half":
			w.Header().Set("Content-Length", "100")
			_, _ = io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-release:
			}
		default:
			_, _ = io.WriteString(w, "fine")
		}
	}))
	defer srv.Close()
	defer close(release)
	hc := WithAnswerTimeout(srv.Client(), "sts", 200*time.Millisecond)

	resp, err := hc.Get(srv.URL + "/ok")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || string(body) != "fine" {
		t.Errorf("ok: %q %v", body, err)
	}

	start := time.Now()
	_, err = hc.Get(srv.URL + "/hang")
	var na *NoAnswerError
	if !errors.As(err, &na) || na.Endpoint != srv.URL || na.Service != "sts" {
		t.Fatalf("hang: %v, want a NoAnswerError for %s", err, srv.URL)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("hang took %s", d)
	}
	if got, want := na.Describe("AssumeRole"), "sts AssumeRole at "+srv.URL+": no answer in 200ms"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	if na.RetryableError() {
		t.Error("a hung endpoint must not be retried")
	}

	resp, err = hc.Get(srv.URL + "/half")
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.As(err, &na) || !strings.Contains(err.Error(), "no answer in 200ms") {
		t.Errorf("half a body: %v, want a NoAnswerError", err)
	}
}
