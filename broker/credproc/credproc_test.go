package credproc

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
			var gotPath string
			sock := serve(t, func(w http.ResponseWriter, r *http.Request) {
				gotPath = r.URL.String()
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			})
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), Options{Profile: "p", SessionName: "stack-a b", Launch: launch.Options{Socket: sock}}, &stdout, &stderr)
			if code != tt.wantCode || stdout.String() != tt.wantStdout || stderr.String() != tt.wantStderr {
				t.Errorf("got code %d stdout %.80q stderr %q; want %d %.80q %q", code, stdout.String(), stderr.String(), tt.wantCode, tt.wantStdout, tt.wantStderr)
			}
			if want := "/v1/credentials/p?session_name=stack-a+b"; gotPath != want {
				t.Errorf("spind got path %q, want %q", gotPath, want)
			}
			if code == 0 && !json.Valid(stdout.Bytes()) {
				t.Errorf("stdout is not JSON")
			}
		})
	}
}
