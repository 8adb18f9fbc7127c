//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A D-Bus session with a Secret Service but no unlocked login keyring (a
// server or WSL where gnome-keyring runs but nobody logged in to a
// desktop): spin daemon start fails at once, saying to unlock the login
// keyring or choose file, instead of the first 'spin keys add' failing
// with D-Bus's 'Object does not exist at path "/"' after the secret was
// typed.
func TestDaemonStartSecretServiceWithoutLoginKeyring(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a D-Bus session and gnome-keyring")
	}
	for _, tool := range []string{"dbus-run-session", "gnome-keyring-daemon", "dbus-send"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	spin, spind := buildSpin(t), buildSpind(t)
	root := t.TempDir()
	home, run := filepath.Join(root, "home"), filepath.Join(root, "run")
	for _, d := range []string{home, run} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	script := `gnome-keyring-daemon --start --components=secrets >/dev/null 2>&1
for i in $(seq 100); do
	dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break
	sleep 0.1
done
timeout 60 "$1" daemon start; echo "exit=$?"
timeout 10 "$1" daemon stop >/dev/null
true`
	cmd := exec.Command("timeout", "120", "dbus-run-session", "--", "sh", "-c", script, "sh", spin)
	cmd.Env = []string{"HOME=" + home, "XDG_RUNTIME_DIR=" + run, "PATH=" + spind + ":/usr/bin:/bin", "LANG=C.UTF-8"}
	// Its own process group: whatever the bus leaves running (the keyring
	// daemon) goes with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var buf strings.Builder
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Start()
	if err == nil {
		t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
		err = cmd.Wait()
	}
	out := buf.String()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{
		"exit=1",
		"spin: spind runs, but its keyring does not open: open keyring: keyring backend auto found no usable keyring: secret-service has no unlocked login keyring (Object does not exist at path",
		"unlock it (log in to the desktop, or pipe its password to 'gnome-keyring-daemon --unlock'), or set keyring.backend: file",
		"spin: hint: set keyring.backend in " + home + "/.config/spin/config.yaml (file on servers and WSL)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
