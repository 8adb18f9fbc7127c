package broker

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
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

// A request that takes longer than processingAfter gets a 102 Processing
// before its answer; quick ones never do, however the pooled writers of
// slow and quick requests are reused.
func TestProcessingOnlyForSlowRequests(t *testing.T) {
	release := make(chan struct{})
	h := withProcessing(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-release
		}
		io.WriteString(w, "done")
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	ask := func(c net.Conn, path string) string {
		t.Helper()
		if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: spind\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		var got strings.Builder
		buf := make([]byte, 4096)
		for !strings.HasSuffix(got.String(), "done") {
			n, err := c.Read(buf)
			if err != nil {
				t.Fatalf("%s: %v after %q", path, err, got.String())
			}
			got.Write(buf[:n])
		}
		return got.String()
	}
	dial := func() net.Conn {
		c, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	quick := func(round string) {
		c := dial()
		for range 20 {
			if got := ask(c, "/quick"); !strings.HasPrefix(got, "HTTP/1.1 200 ") || strings.Contains(got, " 102 ") {
				t.Fatalf("%s: a quick request got %q, want 200 and no 102", round, got)
			}
		}
	}
	quick("before")
	slow, waiting := make(chan string), make(chan struct{})
	go func() {
		c, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			close(waiting)
			slow <- err.Error()
			return
		}
		defer c.Close()
		io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: spind\r\n\r\n")
		var got []byte
		buf := make([]byte, 4096)
		told := false
		for !bytes.HasSuffix(got, []byte("done")) {
			n, err := c.Read(buf)
			if err != nil {
				break
			}
			got = append(got, buf[:n]...)
			if !told && bytes.Contains(got, []byte(" 102 ")) {
				told = true
				close(waiting) // its 102 has come: the quick ones go now
			}
		}
		if !told {
			close(waiting)
		}
		slow <- string(got)
	}()
	select {
	case <-waiting:
	case <-time.After(30 * time.Second):
		t.Fatal("the slow request got no 102 within 30 s")
	}
	quick("while a slow one waits")
	close(release)
	if got := <-slow; !strings.HasPrefix(got, "HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 ") {
		t.Errorf("the slow request got %q, want a 102 and then its 200", got)
	}
	quick("after")
}

// A writer whose timer has fired is not pooled: its 102 callback may still
// be running, and would otherwise answer the next request it serves.
func TestProcessingWriterWhoseTimerFiredIsNotPooled(t *testing.T) {
	w := &headerRecorder{codes: make(chan int, 4)}
	p := processing(w)
	p.timer.Reset(time.Millisecond)
	select {
	case code := <-w.codes:
		if code != http.StatusProcessing {
			t.Fatalf("the timer wrote %d, want 102", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the timer did not fire")
	}
	p.release()
	for range 4 {
		if q := processingWriters.Get().(*processingWriter); q == p {
			t.Fatal("a writer whose timer fired went back to the pool")
		}
	}
}

// headerRecorder passes on the status codes written to it.
type headerRecorder struct {
	http.ResponseWriter
	codes chan int
}

func (r *headerRecorder) WriteHeader(code int) { r.codes <- code }
