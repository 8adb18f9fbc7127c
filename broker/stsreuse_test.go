package broker

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/cloudspin/spin/internal/awsemu"
	"github.com/cloudspin/spin/internal/awshttp"
)

// 1,000 role sessions made through spind's handler cost a handful of TLS
// connections to STS, not one each: the AWS clients share one transport.
func TestSTSCallsReuseConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 STS calls over TLS")
	}
	emu := awsemu.New(awsemu.Options{
		Keys: []awsemu.Key{{AccessKeyID: keyID, SecretAccessKey: keySecret, UserName: "u", Account: "123456789012"}},
	})
	srv, err := emu.StartTLS(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	f := newFixture(t, basicConfig, time.Now)
	f.b.cfg.STS = &SDKSTS{Endpoint: srv.URL, HTTPClient: awshttp.NewClient(&http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: srv.Pool},
	})}

	const sessions, workers = 1000, 16
	names := make(chan string)
	go func() {
		for i := range sessions {
			names <- fmt.Sprintf("s-%04d", i)
		}
		close(names)
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for name := range names {
				rec := httptest.NewRecorder()
				f.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/credentials/p?session_name="+name, nil))
				if rec.Code != http.StatusOK {
					t.Errorf("session %s: %d %s", name, rec.Code, rec.Body)
				}
			}
		})
	}
	wg.Wait()
	if n := emu.Calls("AssumeRole"); n != sessions {
		t.Fatalf("AssumeRole calls = %d, want %d", n, sessions)
	}
	// At most MaxConnsPerHost at a time; a few more over the run if the
	// emulator drops one idle for long on a loaded machine. A transport per
	// call made 1,000.
	const most = 10
	if h, c := srv.Handshakes(), srv.Connections(); h > most || c > most {
		t.Errorf("%d STS calls took %d TLS handshakes on %d connections; want at most %d (one transport, connections reused)",
			sessions, h, c, most)
	}
	t.Logf("%d calls, %d handshakes", sessions, srv.Handshakes())
}
