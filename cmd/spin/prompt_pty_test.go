//go:build linux

package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/internal/ptytest"
)

// ptyRun runs the real spin binary on a new terminal, as a shell would: its
// own session with the pty as controlling terminal, so Ctrl-C typed there
// is the kernel's SIGINT to it.
type ptyRun struct {
	exe, dir string
	env      []string
}

// buildSpin builds cmd/spin itself: the test binary's "spin" runs without
// main's signal handling, which is what these tests are about.
func buildSpin(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("go", "build", "-buildvcs=false", "-o", filepath.Join(dir, "spin"), ".").CombinedOutput()
	if err != nil {
		t.Fatalf("build spin: %v\n%s", err, out)
	}
	return filepath.Join(dir, "spin")
}

type step struct {
	waitFor, keys string // type keys once the output holds waitFor
}

// run starts spin args on a fresh pty, types steps, and returns the exit
// code, the output and whether echo was on once spin was gone.
func (p ptyRun) run(t *testing.T, steps []step, args ...string) (code int, out string, echo bool) {
	t.Helper()
	term := ptytest.Open(t)
	cmd := exec.Command(p.exe, args...)
	cmd.Dir, cmd.Env = p.dir, p.env
	if err := term.Start(cmd); err != nil {
		t.Fatal(err)
	}
	output := term.Output
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	deadline := time.After(20 * time.Second)
	for _, s := range steps {
		for !strings.Contains(output(), s.waitFor) {
			select {
			case <-deadline:
				_ = cmd.Process.Kill()
				t.Fatalf("spin %v never wrote %q; it wrote %q", args, s.waitFor, output())
			case err := <-waited:
				t.Fatalf("spin %v exited (%v) before writing %q: %q", args, err, s.waitFor, output())
			case <-time.After(20 * time.Millisecond):
			}
		}
		time.Sleep(50 * time.Millisecond) // the read has begun
		if err := term.Type(s.keys); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case err := <-waited:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		code = cmd.ProcessState.ExitCode()
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-waited
		t.Fatalf("spin %v still waits after the last key; output %q", args, output())
	}
	tio, err := unix.IoctlGetTermios(int(term.TTY().Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	return code, output(), tio.Lflag&unix.ECHO != 0
}

// Every prompt ends on Ctrl-C (exit 130, echo back on, nothing read after)
// and on Ctrl-D (a clear error): the key id, the hidden secret, the MFA
// code and the new file-keyring passphrase.
func TestPromptsEndOnCtrlCAndCtrlD(t *testing.T) {
	if testing.Short() {
		t.Skip("builds spin and spind")
	}
	home := t.TempDir()
	run := filepath.Join(home, "run")
	p := ptyRun{exe: buildSpin(t), dir: home, env: []string{
		"HOME=" + home, "XDG_RUNTIME_DIR=" + run, "DBUS_SESSION_BUS_ADDRESS=disabled:", "TERM=dumb",
		"PATH=" + buildSpind(t) + ":/usr/bin:/bin",
	}}
	if err := os.MkdirAll(filepath.Join(home, ".config", "spin"), 0o700); err != nil {
		t.Fatal(err)
	}
	conf := "keyring:\n  backend: file\nprofiles:\n  p:\n    source: k\n    role_arn: arn:aws:iam::123456789012:role/r\n    mfa_serial: arn:aws:iam::123456789012:mfa/u\n"
	if err := os.WriteFile(filepath.Join(home, ".config", "spin", "config.yaml"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c := client.New(filepath.Join(run, "spin", "broker.sock"))
		_ = c.Shutdown(ctx)
		c.Close()
	})
	const ctrlC, ctrlD = "\x03", "\x04"
	tests := []struct {
		name  string
		args  []string
		steps []step
		code  int
		want  string
	}{
		{"new passphrase, Ctrl-C", []string{"daemon", "start"}, []step{{"new spin keyring passphrase", ctrlC}}, 130, ""},
		{"passphrase again, Ctrl-D", []string{"daemon", "start"}, []step{{"new spin keyring passphrase", "correct horse battery\r"}, {"same passphrase again: ", ctrlD}}, 1,
			"no answer: the input ended (Ctrl-D)"},
		{"unlock", nil, nil, 0, ""},
		{"key id, Ctrl-C", []string{"keys", "add", "k"}, []step{{"AWS access key id: ", ctrlC}}, 130, ""},
		{"secret, Ctrl-C", []string{"keys", "add", "k"}, []step{{"AWS access key id: ", "AKIAIOSFODNN7EXAMPLE\r"}, {"AWS secret access key: ", "half" + ctrlC}}, 130, ""},
		{"key id, Ctrl-D", []string{"keys", "add", "k"}, []step{{"AWS access key id: ", ctrlD}}, 1,
			"spin: keys add k: read the access key id: no answer: the input ended (Ctrl-D)"},
		{"secret, Ctrl-D", []string{"keys", "add", "k"}, []step{{"AWS access key id: ", "AKIAIOSFODNN7EXAMPLE\r"}, {"AWS secret access key: ", ctrlD}}, 1,
			"spin: keys add k: read the secret access key: no answer: the input ended (Ctrl-D)"},
		{"store k", nil, nil, 0, ""},
		{"MFA code, Ctrl-C", []string{"mfa", "p"}, []step{{"MFA code for profile p: ", "12" + ctrlC}}, 130, ""},
		{"MFA code, Ctrl-D", []string{"mfa", "p"}, []step{{"MFA code for profile p: ", ctrlD}}, 1, "spin: read the MFA code: no answer: the input ended (Ctrl-D)"},
	}
	for _, tt := range tests {
		if tt.args == nil {
			// keys add checks the keyring before it asks: unlock it; spin
			// mfa checks the profile's key set: store it.
			args, stdin := []string{"daemon", "start"}, ""
			if tt.name == "store k" {
				args, stdin = []string{"keys", "add", "k", "--stdin"}, "AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
			}
			cmd := exec.Command(p.exe, args...)
			cmd.Dir, cmd.Env, cmd.Stdin = p.dir, append(p.env, "SPIN_KEYRING_PASSPHRASE=correct horse battery staple"), strings.NewReader(stdin)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("spin %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			code, out, echo := p.run(t, tt.steps, tt.args...)
			if code != tt.code || !strings.Contains(out, tt.want) {
				t.Errorf("exit %d, output %q; want exit %d and %q", code, out, tt.code, tt.want)
			}
			if !echo {
				t.Errorf("the terminal's echo is off after spin exited")
			}
			if tt.code == 130 && strings.Contains(out, "spin: ") {
				t.Errorf("Ctrl-C printed an error: %q", out)
			}
		})
	}
}
