package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/client"
)

// A connection from another uid is refused by spind's peer-uid check
// itself: spind runs as nobody, the test connects as root, which the 0700
// directory would not stop.
func TestOtherUIDRefusedAtSocket(t *testing.T) {
	setpriv, spind, home := nobodyWorld(t, "spinu", "needs root to run spind as another uid")
	sock := filepath.Join(home, "s", "broker.sock")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
		spind, "--socket", sock, "--config", filepath.Join(home, "config.yaml"))
	cmd.Env = []string{"HOME=" + home, "PATH=/usr/bin:/bin", "DBUS_SESSION_BUS_ADDRESS=disabled:"}
	log := &syncBuffer{}
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	waitFor(t, func() bool { _, err := os.Stat(sock); return err == nil })

	// spin's client refuses nobody's socket before connecting
	// (TestClientsRefuseSquattedSocket); a raw connection reaches spind.
	c := client.New(sock)
	defer c.Close()
	cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
	defer ccancel()
	if _, err := c.Status(cctx); err == nil || !strings.Contains(err.Error(), "belongs to uid 65534") {
		t.Errorf("client to nobody's socket: %v, want it refused", err)
	}
	raw, err := net.DialTimeout("unix", sock, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	_ = raw.SetDeadline(time.Now().Add(5 * time.Second))
	_, _ = raw.Write([]byte("GET /v1/status HTTP/1.0\r\nHost: spind\r\n\r\n"))
	if answer, _ := io.ReadAll(raw); len(answer) > 0 {
		t.Fatalf("root got an answer from nobody's spind: %q, want the connection dropped", answer)
	}
	waitFor(t, func() bool { return strings.Contains(log.String(), "refused connection from another user") })
	if !strings.Contains(log.String(), "peer_uid=0") {
		t.Errorf("spind log does not name the refused uid:\n%s", log.String())
	}

	// The same socket answers its own user, so the refusal was the uid check.
	spin := filepath.Join(filepath.Dir(spind), "spin")
	own := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", spin, "daemon", "status", "--socket", sock)
	own.Env = cmd.Env
	if out, err := own.CombinedOutput(); err != nil || !strings.Contains(string(out), "pid:") {
		t.Errorf("spin daemon status as the owner: %v\n%s", err, out)
	}
}

// syncBuffer is a bytes.Buffer a child process writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// With debug logging on, the whole flow leaves no secret in spind's log or
// in the helper's stderr: not the long-term secret, not a session's secret
// or token, not the keyring passphrase.
func TestNoSecretInLogs(t *testing.T) {
	const passphrase = "passphrase-that-must-not-leak"
	for _, backend := range []string{"secret-service", "file"} {
		t.Run(backend, func(t *testing.T) {
			w := newWorld(t, worldOptions{backend: backend})
			w.env = append(w.env, "SPIN_LOG_LEVEL=debug", "SPIN_KEYRING_PASSPHRASE="+passphrase)
			var stderr strings.Builder
			_, e, err := w.try("", "daemon", "start")
			stderr.WriteString(e)
			if err != nil {
				t.Fatalf("daemon start: %v %s", err, e)
			}
			w.addKeys()
			var secrets []string
			for range 3 {
				out, e, err := w.try("", "credential-process", "assume-test")
				stderr.WriteString(e)
				if err != nil {
					t.Fatalf("credential-process: %v %s", err, e)
				}
				var p processJSON
				if err := json.Unmarshal([]byte(out), &p); err != nil {
					t.Fatal(err)
				}
				secrets = append(secrets, p.SecretAccessKey, p.SessionToken)
			}
			// `daemon start` had the passphrase in its environment: spind,
			// which it started, must not.
			for _, pid := range w.daemons() {
				env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(string(env), passphrase) {
					t.Errorf("spind (pid %d) holds the keyring passphrase in its environment", pid)
				}
			}
			// Failures too: an unknown profile and a bad key set.
			_, e, _ = w.helper("nope")
			stderr.WriteString(e)
			_, e, _ = w.try("x\n"+testSecret+"\n", "keys", "add", "bad", "--stdin")
			stderr.WriteString(e)
			w.run("", "daemon", "stop")

			logData, err := os.ReadFile(filepath.Join(w.home, ".local", "state", "spin", "spind.log"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(logData), "level=DEBUG") {
				t.Fatalf("spind log has no debug lines; is debug logging on?\n%s", logData)
			}
			for name, text := range map[string]string{"spind log": string(logData), "helper stderr": stderr.String()} {
				for _, s := range append(secrets, testSecret, passphrase) {
					if strings.Contains(text, s) {
						t.Errorf("%s contains a secret (%.6s…)", name, s)
					}
				}
			}
		})
	}
}

// spind exits cleanly on SIGTERM and removes its socket.
func TestDaemonExitsCleanlyOnSIGTERM(t *testing.T) {
	w := newWorld(t, worldOptions{backend: "file"})
	w.env = append(w.env, "SPIN_KEYRING_PASSPHRASE=test-keyring-passphrase")
	w.run("", "daemon", "start")
	pids := w.daemons()
	if len(pids) != 1 {
		t.Fatalf("spind pids = %v, want one", pids)
	}
	if err := syscall.Kill(pids[0], syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(w.daemons()) == 0 })
	if _, err := os.Stat(w.sock); !os.IsNotExist(err) {
		t.Errorf("socket after SIGTERM: %v, want it removed", err)
	}
	logData, _ := os.ReadFile(filepath.Join(w.home, ".local", "state", "spin", "spind.log"))
	if !strings.Contains(string(logData), "spind stopped") || strings.Contains(string(logData), "level=ERROR") {
		t.Errorf("spind log does not show a clean stop:\n%s", logData)
	}
}

// A second spind refuses to start over a live socket and leaves it alone.
func TestSecondDaemonRefusesLiveSocket(t *testing.T) {
	w := newWorld(t, worldOptions{backend: "file"})
	w.env = append(w.env, "SPIN_KEYRING_PASSPHRASE=test-keyring-passphrase")
	w.run("", "daemon", "start")
	_, spind := binaries(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := w.command(ctx, spind, "--socket", w.sock).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 || !strings.Contains(string(out), "already serving this socket") {
		t.Errorf("second spind: err %v, output %s; want exit 3 saying another spind serves the socket", err, out)
	}
	if pids := w.daemons(); len(pids) != 1 {
		t.Errorf("spind processes = %v, want the first one only", pids)
	}
	if out := w.run("", "daemon", "status"); !strings.Contains(out, "locked:   false") {
		t.Errorf("first spind lost its state: %s", out)
	}
}

// nobodyWorld is what a test running spind as uid 65534 needs: setpriv,
// spind in a directory uid 65534 can run it from, and a home owned by nobody in a
// fresh temp dir. It skips under -short and when not root (why says for
// what root is needed).
func nobodyWorld(t *testing.T, prefix, why string) (setpriv, spind, home string) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	if os.Getuid() != 0 {
		t.Skip(why)
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Fatal("setpriv missing (util-linux)")
	}
	_, spind = binaries(t)
	if err := os.Chmod(filepath.Dir(spind), 0o755); err != nil {
		t.Fatal(err)
	}
	root, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	home = filepath.Join(root, "h")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(home, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	return setpriv, spind, home
}
