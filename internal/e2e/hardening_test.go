package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// spind is not dumpable: another process of the same (non-root) uid cannot
// read its memory or environment through /proc, as with ssh-agent. A plain
// process of that uid is the control: its environ is readable, so the
// refusal is spind's doing and not the reader's.
func TestSpindMemoryUnreadableBySameUID(t *testing.T) {
	setpriv, spind, home := nobodyWorld(t, "spinm", "needs root to run spind and the reader as another uid")
	sock := filepath.Join(home, "s", "broker.sock")
	asNobody := []string{"--reuid=65534", "--regid=65534", "--clear-groups"}
	env := []string{"HOME=" + home, "PATH=/usr/bin:/bin", "DBUS_SESSION_BUS_ADDRESS=disabled:", "SPIN_TEST_MARKER=visible"}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := func(args ...string) *exec.Cmd {
		cmd := exec.CommandContext(ctx, setpriv, append(append([]string{}, asNobody...), args...)...)
		cmd.Env = env
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd
	}
	// setpriv execs its command, so the pid is spind's own.
	d := start(spind, "--socket", sock, "--config", filepath.Join(home, "config.yaml"))
	control := start("sleep", "60")
	waitFor(t, func() bool { _, err := os.Stat(sock); return err == nil })
	waitFor(t, func() bool {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", control.Process.Pid))
		return strings.TrimSpace(string(b)) == "sleep"
	})

	read := func(path string) (string, error) {
		cmd := exec.CommandContext(ctx, setpriv, append(append([]string{}, asNobody...), "cat", path)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := read(fmt.Sprintf("/proc/%d/environ", control.Process.Pid)); err != nil || !strings.Contains(out, "SPIN_TEST_MARKER=visible") {
		t.Fatalf("control: nobody cannot read its own plain process's environ (%v: %s); the check below would prove nothing", err, out)
	}
	for _, f := range []string{"environ", "mem"} {
		path := fmt.Sprintf("/proc/%d/%s", d.Process.Pid, f)
		out, err := read(path)
		if err == nil || !strings.Contains(out, "Permission denied") {
			t.Errorf("nobody reading spind's %s: err %v, output %.80q; want permission denied", path, err, out)
		}
	}
}

// `spin lock` on a running spind: the tool's cached role session is still
// handed out, key-set commands are refused with the unlock hint, and
// `spin unlock` asks for the file keyring's passphrase again.
func TestLockAndUnlock(t *testing.T) {
	w := newWorld(t, worldOptions{backend: "file"})
	w.env = append(w.env, "SPIN_KEYRING_PASSPHRASE=lock test passphrase")
	w.run("", "daemon", "start")
	w.addKeys()
	before, e, err := w.helper("assume-test")
	if err != nil {
		t.Fatalf("helper: %v %s", err, e)
	}
	if out := w.run("", "lock"); !strings.Contains(out, "locked") {
		t.Errorf("spin lock said %q", out)
	}
	if out := w.run("", "daemon", "status"); !strings.Contains(out, "locked:   true") {
		t.Errorf("daemon status after lock:\n%s", out)
	}
	after, e, err := w.helper("assume-test")
	if err != nil || after != before {
		t.Errorf("helper while locked: %v %s; want the cached session again", err, e)
	}
	_, e, err = w.try("", "keys", "list")
	if err == nil || !strings.Contains(e, "spin: the file keyring is locked") || !strings.Contains(e, "spin: hint: run 'spin unlock'") {
		t.Errorf("keys list while locked: %v\n%s", err, e)
	}
	// Without the passphrase (no terminal, no variable) unlock fails.
	noPass := w.env
	w.env = append([]string{}, w.env[:len(w.env)-1]...)
	_, e, err = w.try("", "unlock")
	if err == nil || !strings.Contains(e, "locked") {
		t.Errorf("unlock without a passphrase: %v\n%s", err, e)
	}
	w.env = noPass
	if out := w.run("", "unlock"); !strings.Contains(out, "unlocked") {
		t.Errorf("spin unlock said %q", out)
	}
	if out := w.run("", "keys", "list"); !strings.Contains(out, w.keySet) {
		t.Errorf("keys list after unlock:\n%s", out)
	}
}
