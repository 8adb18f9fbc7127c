package broker

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/awsnet"
)

// A hung STS (it accepts and never answers) fails the request after
// AWSTimeout, once (no retries into the caller's deadline), naming the
// service, the operation and the endpoint, with a hint about the network
// path, instead of ending as the helper's socket timeout 50 s later.
func TestHungSTSFailsNamingServiceAndEndpoint(t *testing.T) {
	f := newEmuFixture(t, basicConfig, 5)
	f.emu.SetLatency(time.Hour) // answers only when the caller gives up
	var requests atomic.Int32
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		// Read the body first: only then does the server notice the
		// client hanging up, which ends the emulator's wait.
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		f.emu.ServeHTTP(w, r)
	}))
	defer hung.Close()
	f.b.cfg.AWSTimeout = 300 * time.Millisecond
	f.b.cfg.Net = awsnet.Config{Endpoints: awsnet.Endpoints{awsnet.STS: hung.URL}, From: "environment"}
	f.b.cfg.STS = &SDKSTS{Route: f.b.Route, MaxAttempts: 5}

	start := time.Now()
	code, e := f.apiError(t, "/v1/credentials/p")
	took := time.Since(start)
	if code != http.StatusBadGateway {
		t.Fatalf("credentials: %d %+v, want 502", code, e)
	}
	want := "profile p (key set user): assume arn:aws:iam::123456789012:role/r: sts AssumeRole at " + hung.URL + ": no answer in 300ms"
	if e.Message != want {
		t.Errorf("message\n got %q\nwant %q", e.Message, want)
	}
	if !strings.Contains(e.Hint, hung.URL) || !strings.Contains(e.Hint, "spin status") {
		t.Errorf("hint %q, want the endpoint and 'spin status'", e.Hint)
	}
	if n := requests.Load(); n != 1 {
		t.Errorf("STS got %d requests, want 1: a hung endpoint is not retried", n)
	}
	if took > 10*time.Second {
		t.Errorf("took %s to fail", took)
	}
	// status shows the failure against the profile (no session was made).
	st := f.status(t)
	if len(st.Sessions) != 0 {
		t.Errorf("sessions %+v, want none", st.Sessions)
	}
	if len(st.Failures) != 1 || st.Failures[0].Profile != "p" || st.Failures[0].Code != e.Code || st.Failures[0].Error != want {
		t.Errorf("failures %+v, want p's %s: %s", st.Failures, e.Code, want)
	}
}

// A hung Sign-In endpoint fails 'spin login' the same way: the service and
// endpoint named, after AWSTimeout, not the client's socket timeout.
func TestHungSigninEndpointNamed(t *testing.T) {
	f := newLoginFixture(t)
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		<-r.Context().Done()
	}))
	defer hung.Close()
	f.b.cfg.AWSTimeout = 300 * time.Millisecond
	f.b.cfg.Net = awsnet.Config{Endpoints: awsnet.Endpoints{awsnet.Signin: hung.URL, awsnet.STS: f.url}, From: "environment"}
	rec := f.do(t, http.MethodPost, "/v1/signin/me", api.SigninStart{Mode: api.SigninBrowser, RedirectURI: "http://127.0.0.1:45678/oauth/callback"})
	var start api.SigninFlow
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &start) != nil {
		t.Fatalf("start: %d %s", rec.Code, rec.Body)
	}
	begin := time.Now()
	rec = f.do(t, http.MethodPost, "/v1/signin/me/complete", api.SigninComplete{Code: "code-from-the-browser", State: start.State})
	var e api.Error
	_ = json.Unmarshal(rec.Body.Bytes(), &e)
	if rec.Code != http.StatusBadGateway || !strings.Contains(e.Message, "signin") || !strings.Contains(e.Message, "at "+hung.URL+": no answer in 300ms") ||
		!strings.Contains(e.Hint, hung.URL) {
		t.Errorf("complete: %d %+v, want the Sign-In endpoint named as not answering", rec.Code, e)
	}
	if d := time.Since(begin); d > 10*time.Second {
		t.Errorf("took %s", d)
	}
}
