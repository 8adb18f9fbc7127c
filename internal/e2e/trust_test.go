package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// squatterUID is the other user: a process of another uid listening
// where the clients look for spind.
const squatterUID = "4242"

// buildSquatter builds testdata/squatter where uid 4242 can run it.
func buildSquatter(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "spinsq")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "squatter")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/cloudspin/spin/internal/e2e/testdata/squatter").CombinedOutput(); err != nil {
		t.Fatalf("go build squatter: %v\n%s", err, out)
	}
	return bin
}

// startSquatter runs the squatter as uid 4242 and waits until it listens.
func startSquatter(t *testing.T, bin string, args []string, files ...*os.File) {
	t.Helper()
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Fatal("setpriv missing (util-linux)")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, setpriv, append([]string{"--reuid=" + squatterUID, "--regid=" + squatterUID, "--clear-groups", bin}, args...)...)
	cmd.ExtraFiles = files
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	waitFor(t, func() bool {
		return strings.Contains(out.String(), "listening") || strings.Contains(out.String(), "squatter:")
	})
	if !strings.Contains(out.String(), "listening") {
		t.Fatalf("squatter: %s", out.String())
	}
}

// Every client checks whom it talks to before it sends anything: a socket
// squatted by uid 4242 gets neither the keyring passphrase from `spin
// daemon start` nor the secret from `spin keys add`, and the helper prints
// none of its credentials. Two squats: the squatter's own socket (as in a
// shared directory named by SPIN_SOCKET or XDG_RUNTIME_DIR), refused by the
// owner checks; and a socket file and directory of the user's whose
// listener is the squatter's, refused by SO_PEERCRED.
func TestClientsRefuseSquattedSocket(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	if os.Getuid() != 0 {
		t.Skip("needs root to run the squatter as another uid")
	}
	bin := buildSquatter(t)
	root, err := os.MkdirTemp("", "spinq")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	theirs := filepath.Join(root, "q")
	if err := os.Mkdir(theirs, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(theirs, 4242, 4242); err != nil {
		t.Fatal(err)
	}
	ours := filepath.Join(root, "r")
	if err := os.Mkdir(ours, 0o700); err != nil {
		t.Fatal(err)
	}

	// Squat 1: the squatter's socket in its directory.
	ownSock := filepath.Join(theirs, "broker.sock")
	ownLog := filepath.Join(theirs, "own.log")
	startSquatter(t, bin, []string{"--socket", ownSock, "--log", ownLog})

	// Squat 2: our path, bound by us, listened on by the squatter.
	peerSock := filepath.Join(ours, "broker.sock")
	peerLog := filepath.Join(theirs, "peer.log")
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: peerSock}); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(peerSock, 0o600); err != nil {
		t.Fatal(err)
	}
	bound := os.NewFile(uintptr(fd), "bound")
	startSquatter(t, bin, []string{"--fd", "3", "--log", peerLog}, bound)
	bound.Close()

	const passphrase = "squatters-must-not-see-this"
	for _, tt := range []struct {
		name, sock, log, why string
	}{
		{"their socket", ownSock, ownLog, "its directory " + theirs + " belongs to uid 4242, not to you (uid 0)"},
		{"their listener", peerSock, peerLog, "the process answering on it runs as uid 4242 (pid "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, worldOptions{backend: "file"})
			w.env = append(w.env, "SPIN_SOCKET="+tt.sock, "SPIN_KEYRING_PASSPHRASE="+passphrase)
			wantLine := func(what, errOut string, err error) {
				t.Helper()
				line := "spin: refusing spind's socket " + tt.sock + ": " + tt.why
				if err == nil || !strings.HasPrefix(errOut, line) {
					t.Errorf("%s: err %v, stderr %q; want it to start %q", what, err, errOut, line)
				}
				if strings.Count(strings.TrimSuffix(errOut, "\n"), "\n") > 1 { // the line and a hint at most
					t.Errorf("%s: stderr %q is more than an error and a hint", what, errOut)
				}
			}
			out, errOut, err := w.helper("assume-test")
			wantLine("helper", errOut, err)
			if strings.Contains(out, "SQUATTER") || out != "" {
				t.Errorf("helper printed %q", out)
			}
			out, errOut, err = w.try("", "credential-process", "assume-test")
			wantLine("spin credential-process", errOut, err)
			if out != "" {
				t.Errorf("spin credential-process printed %q", out)
			}
			_, errOut, err = w.try("", "daemon", "start")
			wantLine("spin daemon start", errOut, err)
			_, errOut, err = w.try(testKeyID+"\n"+testSecret+"\n", "keys", "add", "k", "--stdin")
			wantLine("spin keys add", errOut, err)
			_, errOut, err = w.try("", "status")
			wantLine("spin status", errOut, err)

			got, err := os.ReadFile(tt.log)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			if len(got) > 0 {
				t.Errorf("the squatter received %d bytes (passphrase: %v, secret: %v):\n%.300s", len(got),
					strings.Contains(string(got), passphrase), strings.Contains(string(got), testSecret), got)
			}
			if pids := w.daemons(); len(pids) > 0 {
				t.Errorf("a spind was started for the squatted socket: %v", pids)
			}
		})
	}
}

// A stopped spind (SIGSTOP) accepts connections into its backlog and says
// nothing: the helper and spin give up within seconds, saying so, instead
// of waiting out the SDK's minute. Resumed, it answers again.
func TestStoppedSpindFailsFast(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.run("", "daemon", "start")
	w.addKeys()
	if _, errOut, err := w.helper("assume-test"); err != nil {
		t.Fatalf("helper: %v %s", err, errOut)
	}
	pids := w.daemons()
	if len(pids) != 1 {
		t.Fatalf("spind pids %v", pids)
	}
	pid := pids[0]
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGCONT) })
	want := "does not answer within 5s: spind (pid " + strconv.Itoa(pid) + ") is stopped; 'kill -CONT " + strconv.Itoa(pid) + "'"
	for _, tt := range []struct {
		name string
		run  func() (string, string, error)
	}{
		{"helper", func() (string, string, error) { return w.helper("assume-test") }},
		{"spin credential-process", func() (string, string, error) { return w.try("", "credential-process", "assume-test") }},
		{"spin status", func() (string, string, error) { return w.try("", "status") }},
	} {
		start := time.Now()
		out, errOut, err := tt.run()
		took := time.Since(start)
		if err == nil || out != "" || !strings.Contains(errOut, want) {
			t.Errorf("%s with spind stopped: err %v, stdout %q, stderr %q; want an error containing %q", tt.name, err, out, errOut, want)
		}
		if took > 15*time.Second {
			t.Errorf("%s took %s to give up", tt.name, took.Round(time.Second))
		}
	}
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if out, errOut, err := w.helper("assume-test"); err != nil || !strings.Contains(out, "SessionToken") {
		t.Errorf("helper after SIGCONT: %v %s", err, errOut)
	}
}
