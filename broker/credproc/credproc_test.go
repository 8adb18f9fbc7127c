package credproc

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/launch"
)

// serve answers on a unix socket with net/http, as spind does.
func serve(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "spincp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "broker.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return sock
}

func TestRun(t *testing.T) {
	long := strings.Repeat("t", 6000) // over net/http's 4 KiB buffer: no Content-Length
	tests := []struct {
		name       string
		status     int
		body       string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"credentials", 200, `{"Version":1,"AccessKeyId":"ASIAX","SecretAccessKey":"s","SessionToken":"` + long + `","Expiration":"2030-01-02T03:04:05Z"}`,
			0, `{"Version":1,"AccessKeyId":"ASIAX","SecretAccessKey":"s","SessionToken":"` + long + `","Expiration":"2030-01-02T03:04:05Z"}` + "\n", ""},
		{"spind error", 404, `{"error":"unknown_profile","message":"unknown profile \"p\"","hint":"add it"}`,
			1, "", "spin: unknown profile \"p\": add it\n"},
		{"garbage", 500, `oops`, 1, "", "spin: spind answered status 500 for profile p\n"},
		{"incomplete json", 200, `{"Version":1}`, 1, "", "spin: profile p: decode credentials: incomplete credential_process JSON\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A channel, not a variable: the helper's raw syscalls give
			// the race detector no edge from the server's goroutine.
			paths := make(chan string, 1)
			sock := serve(t, func(w http.ResponseWriter, r *http.Request) {
				paths <- r.URL.String()
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			})
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), Options{Profile: "p", SessionName: "stack-a b", Launch: launch.Options{Socket: sock, Config: "/etc/spin/c.yaml"}}, &stdout, &stderr)
			if code != tt.wantCode || stdout.String() != tt.wantStdout || stderr.String() != tt.wantStderr {
				t.Errorf("got code %d stdout %.80q stderr %q; want %d %.80q %q", code, stdout.String(), stderr.String(), tt.wantCode, tt.wantStdout, tt.wantStderr)
			}
			if gotPath, want := <-paths, "/v1/credentials/p?session_name=stack-a+b&config=%2Fetc%2Fspin%2Fc.yaml"; gotPath != want {
				t.Errorf("spind got path %q, want %q", gotPath, want)
			}
			if code == 0 && !json.Valid(stdout.Bytes()) {
				t.Errorf("stdout is not JSON")
			}
		})
	}
}

// rawServe accepts on a unix socket and runs answer on each connection
// after reading the request head.
func rawServe(t *testing.T, answer func(c net.Conn)) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "spincp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "broker.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				_, _ = c.Read(buf)
				answer(c)
			}()
		}
	}()
	return sock
}

const okJSON = `{"Version":1,"AccessKeyId":"ASIAX","SecretAccessKey":"s","SessionToken":"t","Expiration":"2030-01-02T03:04:05Z"}` + "\n"

// spind that says "102 Processing" is working (on STS, an MFA code, the
// keyring): the helper waits past AnswerTimeout for its answer. One that
// says nothing is stopped or hung: the helper gives up after
// AnswerTimeout with a line that says so.
func TestAnswerTimeout(t *testing.T) {
	const answerTimeout = 300 * time.Millisecond
	tests := []struct {
		name       string
		answer     func(c net.Conn)
		wantStdout string
		wantStderr string
	}{
		{"processing, then the answer", func(c net.Conn) {
			io.WriteString(c, "HTTP/1.0 102 Processing\r\n\r\n")
			time.Sleep(3 * answerTimeout)
			io.WriteString(c, "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n"+okJSON)
		}, okJSON, ""},
		{"silent", func(c net.Conn) { time.Sleep(10 * answerTimeout) }, "",
			"does not answer within 300ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sock := rawServe(t, tt.answer)
			var stdout, stderr bytes.Buffer
			start := time.Now()
			code := Run(context.Background(), Options{Profile: "p", Launch: launch.Options{Socket: sock}, AnswerTimeout: answerTimeout}, &stdout, &stderr)
			took := time.Since(start)
			if stdout.String() != tt.wantStdout || !strings.Contains(stderr.String(), tt.wantStderr) || (tt.wantStderr == "") != (code == 0) {
				t.Errorf("code %d stdout %q stderr %q; want stdout %q, stderr with %q", code, stdout.String(), stderr.String(), tt.wantStdout, tt.wantStderr)
			}
			if tt.wantStderr != "" {
				if took > 5*answerTimeout {
					t.Errorf("gave up after %s, want about %s", took, answerTimeout)
				}
				if n := strings.Count(stderr.String(), "\n"); n != 1 || !strings.HasPrefix(stderr.String(), "spin: spind at "+sock) {
					t.Errorf("stderr %q: want one line naming the socket", stderr.String())
				}
			}
		})
	}
}
