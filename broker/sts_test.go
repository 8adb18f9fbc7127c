package broker

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/awsemu"
	"github.com/cloudspin/spin/internal/secret"
)

// emuFixture is a broker whose STS is the emulator, reached through
// aws-sdk-go-v2 exactly as spind reaches AWS.
type emuFixture struct {
	*fixture
	emu  *awsemu.Emulator
	srv  *httptest.Server
	skew atomic.Int64 // emulator clock offset
	down atomic.Bool  // answer 503 to everything
}

func newEmuFixture(t *testing.T, config string, attempts int) *emuFixture {
	t.Helper()
	ef := &emuFixture{}
	ef.emu = awsemu.New(awsemu.Options{
		Keys: []awsemu.Key{{AccessKeyID: keyID, SecretAccessKey: keySecret, UserName: "u", Account: "123456789012"}},
		Now:  func() time.Time { return time.Now().Add(time.Duration(ef.skew.Load())) },
	})
	ef.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ef.down.Load() {
			http.Error(w, "service unavailable", http.StatusServiceUnavailable)
			return
		}
		ef.emu.ServeHTTP(w, r)
	}))
	t.Cleanup(ef.srv.Close)
	ef.fixture = newFixture(t, config, time.Now)
	ef.b.cfg.STS = &SDKSTS{Endpoint: ef.srv.URL, MaxAttempts: attempts}
	return ef
}

func (f *fixture) apiError(t *testing.T, path string) (int, api.Error) {
	t.Helper()
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	var e api.Error
	if rec.Code != http.StatusOK {
		if err := json.NewDecoder(rec.Body).Decode(&e); err != nil {
			t.Fatal(err)
		}
	}
	return rec.Code, e
}

func TestThrottledSTSSucceedsAfterRetries(t *testing.T) {
	f := newEmuFixture(t, basicConfig, 5)
	f.emu.Throttle(3)
	if code, e := f.apiError(t, "/v1/credentials/p"); code != 200 {
		t.Fatalf("after 3 throttles: %d %+v, want success", code, e)
	}
	if got := f.emu.Rejections("Throttling"); got != 3 {
		t.Errorf("throttled calls = %d, want 3", got)
	}
	if got := f.emu.Calls("AssumeRole"); got != 1 {
		t.Errorf("AssumeRole successes = %d, want 1", got)
	}
}

func TestSTSFailuresNameKeySetAndFix(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(f *emuFixture)
		inMsg    string
		wantHint string
	}{
		{"wrong secret", func(f *emuFixture) {
			k := f.keys.sets["user"]
			k.SecretAccessKey = secret.New("wrongwrongwrongwrongwrongwrongwrongwrong")
			f.keys.sets["user"] = k
		}, "SignatureDoesNotMatch", "spin keys add user --force"},
		{"disabled key", func(f *emuFixture) { f.emu.SetKeyDisabled(keyID, true) }, "InvalidClientTokenId", "spin keys add user --force"},
		{"clock skew", func(f *emuFixture) { f.skew.Store(int64(time.Hour)) }, "SignatureDoesNotMatch", "system clock"},
		{"sts down", func(f *emuFixture) { f.srv.Close() }, "assume arn:aws:iam::123456789012:role/r", "spin status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newEmuFixture(t, basicConfig, 1)
			tt.setup(f)
			code, e := f.apiError(t, "/v1/credentials/p")
			if code != http.StatusBadGateway || !strings.Contains(e.Message, "profile p (key set user)") ||
				!strings.Contains(e.Message, tt.inMsg) || !strings.Contains(e.Hint, tt.wantHint) {
				t.Errorf("got %d %+v; want 502 naming profile p, key set user, %q, hint with %q", code, e, tt.inMsg, tt.wantHint)
			}
			if strings.Contains(e.Message+e.Hint, keySecret) || strings.Contains(e.Message, "\n") {
				t.Errorf("error is not one clean line: %q", e.Message)
			}
		})
	}
}

func TestEmulatorDownServesCacheThenResumes(t *testing.T) {
	// 20s sessions, 5s min_validity: handed-out expiry 18s, refresh at 11s.
	f := newEmuFixture(t, "profiles:\n  p:\n    source: user\n    role_arn: arn:aws:iam::123456789012:role/r\n    duration: 20s\n    min_validity: 5s\n", 1)
	if code, e := f.apiError(t, "/v1/credentials/p"); code != 200 {
		t.Fatalf("%d %+v", code, e)
	}
	// Take STS away: the cached session keeps being served.
	f.down.Store(true)
	time.Sleep(12 * time.Second) // past the refresh-ahead point, which failed
	if code, e := f.apiError(t, "/v1/credentials/p"); code != 200 {
		t.Fatalf("STS down, session still valid: %d %+v, want the cached session", code, e)
	}
	if st := f.status(t); len(st.Sessions) != 1 || st.Sessions[0].LastError == "" {
		t.Errorf("status = %+v, want the failed refresh recorded", st.Sessions)
	}
	calls := f.emu.Calls("AssumeRole")
	f.down.Store(false)
	// The refresh retries with backoff and resumes once STS is back.
	deadline := time.Now().Add(10 * time.Second)
	for f.emu.Calls("AssumeRole") == calls && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if f.emu.Calls("AssumeRole") == calls {
		t.Fatalf("no AssumeRole after STS came back")
	}
	if code, e := f.apiError(t, "/v1/credentials/p"); code != 200 {
		t.Errorf("after recovery: %d %+v", code, e)
	}
	if st := f.status(t); st.Sessions[0].LastError != "" {
		t.Errorf("last error after recovery = %q, want cleared", st.Sessions[0].LastError)
	}
}
