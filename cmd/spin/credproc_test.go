package main

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cloudspin/spin/profiles"
)

// The lines 'spin profiles write' puts in ~/.aws/config run spin on the
// path without the command tree; other forms go through cobra.
func TestHelperCall(t *testing.T) {
	var written [][]string
	for _, h := range []profiles.Helper{{Path: "/usr/bin/spin"}, {Path: "/usr/bin/spin", Config: "/etc/spin/c.yaml"}} {
		line, err := h.CredentialProcess("assume-app")
		if err != nil {
			t.Fatal(err)
		}
		// The paths hold no spaces: the SDK's shell-style split is a
		// split on spaces without the quotes.
		args := strings.Fields(strings.ReplaceAll(line, "'", ""))[1:]
		written = append(written, args)
	}
	tests := []struct {
		args    []string
		direct  bool
		profile string
		config  string
		socket  string
	}{
		{written[0], true, "assume-app", "", ""},
		{written[1], true, "assume-app", "/etc/spin/c.yaml", ""},
		{[]string{"--socket", "/run/s.sock", "--config", "/c.yaml", "credential-process", "p"}, true, "p", "/c.yaml", "/run/s.sock"},
		{[]string{"--config", "/a.yaml", "--config", "/b.yaml", "credential-process", "p"}, true, "p", "/b.yaml", ""}, // the last one, as pflag
		{[]string{"credential-process", "help"}, true, "help", "", ""},
		{[]string{"credential-process"}, false, "", "", ""},
		{[]string{"credential-process", "p", "q"}, false, "", "", ""},
		{[]string{"credential-process", "--help"}, false, "", "", ""},
		{[]string{"credential-process", "-h"}, false, "", "", ""},
		{[]string{"credential-process", ""}, false, "", "", ""},
		{[]string{"credential-process", "p", "--socket", "/s"}, false, "", "", ""},
		{[]string{"--config=/c.yaml", "credential-process", "p"}, false, "", "", ""},
		{[]string{"--config", "-x", "credential-process", "p"}, false, "", "", ""},
		{[]string{"--config", "credential-process", "p"}, false, "", "", ""},
		{[]string{"--verbose", "x", "credential-process", "p"}, false, "", "", ""},
		{[]string{"status"}, false, "", "", ""},
		{[]string{"export", "p"}, false, "", "", ""},
	}
	for _, tt := range tests {
		g, profile, ok := helperCall(tt.args)
		if ok != tt.direct {
			t.Errorf("helperCall(%q) = %v, want %v", tt.args, ok, tt.direct)
			continue
		}
		if ok && (profile != tt.profile || g.config != tt.config || g.socket != tt.socket) {
			t.Errorf("helperCall(%q): profile %q, --config %q, --socket %q; want %q, %q, %q", tt.args, profile, g.config, g.socket, tt.profile, tt.config, tt.socket)
		}
	}
}

// On the path without the command tree, spin asks spind the same and
// prints the same, byte for byte, with the same exit code, as through
// cobra.
func TestHelperCallAsCobra(t *testing.T) {
	var mu sync.Mutex
	var asked []string
	sock := fakeSpind(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.String())
		mu.Unlock()
		switch r.URL.Path {
		case "/v1/credentials/ok":
			w.Write([]byte(`{"Version":1,"AccessKeyId":"ASIAX","SecretAccessKey":"s","SessionToken":"t","Expiration":"2030-01-02T03:04:05Z"}`))
		default:
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"error":"sts_failed","message":"AccessDenied: not allowed","hint":"check the role"}`))
		}
	})
	longDir := "/tmp/" + strings.Repeat("a", 120) // over sun_path with spin/broker.sock
	tests := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"credentials", []string{"credential-process", "ok"}, map[string]string{"SPIN_SOCKET": sock}},
		{"session name", []string{"credential-process", "ok"}, map[string]string{"SPIN_SOCKET": sock, "SPIN_SESSION_NAME": "ci run/1"}},
		{"flags before the subcommand", []string{"--config", "/nonexistent/c.yaml", "--socket", sock, "credential-process", "ok"}, nil},
		{"spind error", []string{"--socket", sock, "credential-process", "denied"}, nil},
		{"socket path too long", []string{"credential-process", "ok"}, map[string]string{"XDG_RUNTIME_DIR": longDir}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, ok := helperCall(tt.args); !ok {
				t.Fatalf("helperCall(%q) does not take the direct path", tt.args)
			}
			getenv := func(k string) string { return tt.env[k] }
			type result struct {
				code           int
				stdout, stderr string
				asked          []string
			}
			do := func(f func(e *env) int) result {
				mu.Lock()
				asked = nil
				mu.Unlock()
				var stdout, stderr bytes.Buffer
				code := f(&env{getenv: getenv, stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr})
				mu.Lock()
				defer mu.Unlock()
				return result{code, stdout.String(), stderr.String(), slices.Clone(asked)}
			}
			direct := do(func(e *env) int { return run(t.Context(), tt.args, e) })
			cobra := do(func(e *env) int { return exitCode(execute(t.Context(), tt.args, e), e) })
			if direct.code != cobra.code || direct.stdout != cobra.stdout || direct.stderr != cobra.stderr || !slices.Equal(direct.asked, cobra.asked) {
				t.Errorf("direct: exit %d, stdout %q, stderr %q, asked %q\ncobra:  exit %d, stdout %q, stderr %q, asked %q",
					direct.code, direct.stdout, direct.stderr, direct.asked, cobra.code, cobra.stdout, cobra.stderr, cobra.asked)
			}
			if tt.name == "credentials" && (direct.code != 0 || !strings.Contains(direct.stdout, `"AccessKeyId":"ASIAX"`)) {
				t.Errorf("exit %d, stdout %q: want the credentials", direct.code, direct.stdout)
			}
		})
	}
}

// fakeSpind serves h on a unix socket in a private directory with a path
// short enough for sun_path, as spind does.
func fakeSpind(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "spin")
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
