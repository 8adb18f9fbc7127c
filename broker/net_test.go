package broker

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudspin/spin/internal/awsnet"
)

// config.yaml's endpoints: decide where STS calls go, over the explicit
// start's environment (Config.Net); the start's settings fill in what the
// file leaves out; GET /v1/status shows what is in use. Edits apply without
// a restart, like every other setting.
func TestSTSEndpointFromConfigOverStartEnvironment(t *testing.T) {
	f := newEmuFixture(t, basicConfig, 1)
	var envCalls atomic.Int32
	envSTS := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		envCalls.Add(1)
		f.emu.ServeHTTP(w, r)
	}))
	defer envSTS.Close()
	f.b.cfg.Net = awsnet.Config{Endpoints: awsnet.Endpoints{awsnet.STS: envSTS.URL}, From: "environment"}
	f.b.cfg.STS = &SDKSTS{Route: f.b.Route, MaxAttempts: 1}

	withEndpoint := "endpoints:\n  sts: " + f.srv.URL + "\n" + basicConfig
	writeConfig(t, f.fixture, withEndpoint)
	if code, e := f.apiError(t, "/v1/credentials/p"); code != http.StatusOK {
		t.Fatalf("credentials: %d %+v", code, e)
	}
	if envCalls.Load() != 0 || f.emu.Calls("AssumeRole") != 1 {
		t.Errorf("config.yaml's sts endpoint not used: env endpoint got %d calls, config's %d", envCalls.Load(), f.emu.Calls("AssumeRole"))
	}
	st := f.status(t)
	if st.Endpoints["sts"] != f.srv.URL || st.NetFrom != "config.yaml" || st.Network != nil {
		t.Errorf("status endpoints %v from %q network %+v", st.Endpoints, st.NetFrom, st.Network)
	}

	writeConfig(t, f.fixture, basicConfig)
	f.h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodDelete, "/v1/sessions", nil))
	if code, e := f.apiError(t, "/v1/credentials/p"); code != http.StatusOK {
		t.Fatalf("credentials: %d %+v", code, e)
	}
	if envCalls.Load() != 1 {
		t.Errorf("without endpoints: in config.yaml the start's endpoint got %d calls, want 1", envCalls.Load())
	}
	if st := f.status(t); st.Endpoints["sts"] != envSTS.URL || st.NetFrom != "environment" {
		t.Errorf("status endpoints %v from %q", st.Endpoints, st.NetFrom)
	}
}

// An autostarted spind has no start settings: with nothing in config.yaml
// status shows no endpoints and the route is AWS's own.
func TestNoEndpointsMeansAWS(t *testing.T) {
	f := newFixture(t, basicConfig, time.Now)
	st := f.status(t)
	if st.Endpoints != nil || st.Network != nil || st.NetFrom != "" {
		t.Errorf("status shows %v %+v %q", st.Endpoints, st.Network, st.NetFrom)
	}
	if ep, hc, err := f.b.Route(awsnet.STS); ep != "" || hc == nil || err != nil {
		t.Errorf("Route = %q %v %v", ep, hc, err)
	}
}
