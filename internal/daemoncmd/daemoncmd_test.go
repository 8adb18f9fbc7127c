package daemoncmd

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/launch"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/passphrase"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/internal/ttyprompt"
)

// daemon is spind as these commands see it; it records what they did.
type daemon struct {
	st      api.Status
	running bool
	lockErr error
	calls   []string
	pass    string // the passphrase handed to UnlockIfNeeded
}

func (d *daemon) Status(context.Context) (api.Status, error) { return d.st, nil }
func (d *daemon) CheckKeyring(context.Context) (api.Status, error) {
	d.calls = append(d.calls, "check")
	return d.st, nil
}
func (d *daemon) UnlockIfNeeded(_ context.Context, fromEnv secret.String, ask passphrase.Ask) error {
	d.calls = append(d.calls, "unlock")
	if !d.st.Locked {
		return nil
	}
	p := fromEnv
	if p.IsZero() {
		var err error
		if p, err = ask("spin keyring passphrase: "); err != nil {
			return err
		}
	}
	d.pass, d.st.Locked = p.Reveal(), false
	return nil
}
func (d *daemon) Lock(context.Context) error {
	d.calls = append(d.calls, "lock")
	return d.lockErr
}
func (d *daemon) Stop(context.Context) (bool, error) {
	d.calls = append(d.calls, "stop")
	return d.running, nil
}
func (d *daemon) Socket() string { return "/run/spin/broker.sock" }
func (d *daemon) Close()         { d.calls = append(d.calls, "close") }

type tty struct{ answer string }

func (t tty) Hidden(context.Context, string) (secret.String, error) {
	if t.answer == "" {
		return secret.String{}, ttyprompt.ErrNoTerminal
	}
	return secret.New(t.answer), nil
}

func newIO(env map[string]string, answer string) (IO, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return IO{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return env[k] }, TTY: tty{answer}}, &out, &errOut
}

func ensure(started bool, err error) (func(context.Context) (bool, error), *bool) {
	called := false
	return func(context.Context) (bool, error) { called = true; return started, err }, &called
}

func TestStart(t *testing.T) {
	t.Run("fresh start unlocks the file keyring and reports it", func(t *testing.T) {
		d := &daemon{st: api.Status{PID: 7, Backend: "file", Locked: true}}
		io, out, errOut := newIO(map[string]string{"SPIN_KEYRING_PASSPHRASE": "from the env", "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:4566"}, "")
		en, _ := ensure(true, nil)
		if err := start(t.Context(), d, en, StartOptions{}, io); err != nil {
			t.Fatal(err)
		}
		if d.pass != "from the env" {
			t.Errorf("passphrase %q, want SPIN_KEYRING_PASSPHRASE's", d.pass)
		}
		if want := "spind is running (pid 7, keyring file, socket /run/spin/broker.sock)\n"; out.String() != want {
			t.Errorf("stdout %q, want %q", out, want)
		}
		if errOut.Len() != 0 {
			t.Errorf("a spind this started uses the shell's endpoints, yet stderr says %q", errOut)
		}
	})
	t.Run("already running: the shell's endpoints are not used, and it says so", func(t *testing.T) {
		d := &daemon{st: api.Status{PID: 7, Backend: "file"}}
		io, _, errOut := newIO(map[string]string{"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:4566"}, "")
		en, _ := ensure(false, nil)
		if err := start(t.Context(), d, en, StartOptions{}, io); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(errOut.String(), "spind was already running, so this shell's sts endpoint: http://127.0.0.1:4566 is not used: run 'spin daemon restart'") {
			t.Errorf("stderr %q", errOut)
		}
	})
	t.Run("already running with the shell's settings: nothing to apply, no warning", func(t *testing.T) {
		d := &daemon{st: api.Status{PID: 7, Backend: "file",
			Endpoints: map[string]string{"sts": "http://127.0.0.1:4566"},
			Network:   &api.NetworkStatus{CABundle: "/etc/ssl/certs/ca-certificates.crt"}}}
		io, _, errOut := newIO(map[string]string{"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:4566",
			"AWS_CA_BUNDLE": "/etc/ssl/certs/ca-certificates.crt", "HTTPS_PROXY": "http://proxy.corp:3128"}, "")
		en, _ := ensure(false, nil)
		if err := start(t.Context(), d, en, StartOptions{}, io); err != nil {
			t.Fatal(err)
		}
		if want := "spin: spind was already running, so this shell's https_proxy: http://proxy.corp:3128 is not used: run 'spin daemon restart' to apply it, or set endpoints:/network: in config.yaml\n"; errOut.String() != want {
			t.Errorf("stderr %q, want only the proxy spind does not use: %q", errOut, want)
		}
	})
	t.Run("another backend than asked", func(t *testing.T) {
		d := &daemon{st: api.Status{Backend: "keyctl"}}
		io, out, _ := newIO(map[string]string{"SPIN_KEYRING_BACKEND": "file"}, "")
		en, _ := ensure(false, nil)
		err := start(t.Context(), d, en, StartOptions{}, io)
		if err == nil || err.Error() != "spind already runs with the keyctl keyring, not file" ||
			hint.Of(err) != "run 'spin daemon restart --keyring-backend file' (cached sessions are forgotten)" || out.Len() != 0 {
			t.Errorf("err %v (hint %q), stdout %q", err, hint.Of(err), out)
		}
	})
	t.Run("keyring that does not open", func(t *testing.T) {
		d := &daemon{st: api.Status{Backend: "secret-service", KeyringError: "the login keyring is locked", KeyringHint: "use --keyring-backend file"}}
		io, _, _ := newIO(nil, "")
		en, _ := ensure(true, nil)
		err := start(t.Context(), d, en, StartOptions{}, io)
		if err == nil || err.Error() != "spind runs, but its keyring does not open: the login keyring is locked" || hint.Of(err) != "use --keyring-backend file" {
			t.Errorf("err %v (hint %q)", err, hint.Of(err))
		}
	})
	// Without config.yaml spind does not know its keyring backend, so the
	// passphrase went nowhere: "spind is running" would be a false success.
	t.Run("a config.yaml spind cannot use fails the start", func(t *testing.T) {
		d := &daemon{st: api.Status{PID: 7, Backend: "auto", ConfigPath: "/h/config.yaml",
			ConfigError: "/h/config.yaml:5:13: duration \"1hh\" in defaults is not a duration", ConfigHint: "fix the file; spind re-reads it on the next request"}}
		io, out, _ := newIO(nil, "")
		en, _ := ensure(true, nil)
		err := start(t.Context(), d, en, StartOptions{}, io)
		if err == nil || err.Error() != "spind runs, but cannot use its config: /h/config.yaml:5:13: duration \"1hh\" in defaults is not a duration" ||
			hint.Of(err) != "fix the file, then run 'spin daemon start' again (it opens and unlocks the keyring the file names)" || out.Len() != 0 {
			t.Errorf("err %v (hint %q), stdout %q", err, hint.Of(err), out)
		}
	})
	t.Run("a bad endpoint in the shell is refused before spind starts", func(t *testing.T) {
		d := &daemon{}
		io, _, _ := newIO(map[string]string{"AWS_ENDPOINT_URL_STS": "ftp://nowhere"}, "")
		en, called := ensure(true, nil)
		err := start(t.Context(), d, en, StartOptions{}, io)
		if err == nil || !strings.HasPrefix(err.Error(), "this shell's environment: AWS_ENDPOINT_URL_STS") || *called {
			t.Errorf("err %v, started %v", err, *called)
		}
	})
	t.Run("restart stops the running spind first", func(t *testing.T) {
		d := &daemon{running: true, st: api.Status{Backend: "file"}}
		io, out, _ := newIO(nil, "")
		en, _ := ensure(true, nil)
		if err := start(t.Context(), d, en, StartOptions{Restart: true}, io); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(d.calls, ","); got != "stop,close,unlock,check" {
			t.Errorf("calls %s", got)
		}
		if !strings.HasPrefix(out.String(), "spind stopped (its cached sessions are forgotten)\nspind is running") {
			t.Errorf("stdout %q", out)
		}
	})
	t.Run("a failed start is the error", func(t *testing.T) {
		d := &daemon{}
		io, _, _ := newIO(nil, "")
		en, _ := ensure(false, launch.ErrNoDaemon)
		if err := start(t.Context(), d, en, StartOptions{}, io); !errors.Is(err, launch.ErrNoDaemon) || len(d.calls) != 0 {
			t.Errorf("err %v, calls %q", err, d.calls)
		}
	})
}

func TestUnlockAndLock(t *testing.T) {
	d := &daemon{st: api.Status{Backend: "file"}}
	io, out, _ := newIO(nil, "")
	if err := Unlock(t.Context(), d, io); err != nil || out.String() != "the file keyring is not locked\n" || len(d.calls) != 0 {
		t.Errorf("not locked: err %v, stdout %q, calls %q", err, out, d.calls)
	}
	d = &daemon{st: api.Status{Backend: "file", Locked: true}}
	io, out, _ = newIO(nil, "typed passphrase")
	if err := Unlock(t.Context(), d, io); err != nil || out.String() != "unlocked\n" || d.pass != "typed passphrase" {
		t.Errorf("locked: err %v, stdout %q, passphrase %q", err, out, d.pass)
	}

	var buf bytes.Buffer
	if err := Lock(t.Context(), &daemon{lockErr: launch.ErrNoDaemon}, &buf); err != nil || buf.String() != "spind is not running: nothing to lock\n" {
		t.Errorf("no spind: err %v, stdout %q", err, buf.String())
	}
	buf.Reset()
	if err := Lock(t.Context(), &daemon{}, &buf); err != nil || !strings.HasPrefix(buf.String(), "locked: spind forgot its key sets") {
		t.Errorf("lock: err %v, stdout %q", err, buf.String())
	}
	buf.Reset()
	if err := Stop(t.Context(), &daemon{}, &buf); err != nil || buf.String() != "spind is not running\n" {
		t.Errorf("stop: err %v, stdout %q", err, buf.String())
	}
}

func TestStatusNamesSocketAndLog(t *testing.T) {
	var out bytes.Buffer
	d := &daemon{st: api.Status{PID: 7, Version: "v1.2.3", Backend: "file", Locked: true}}
	var errOut bytes.Buffer
	if err := Status(t.Context(), d, func(k string) string { return map[string]string{"XDG_STATE_HOME": "/state"}[k] }, &out, &errOut); err != nil || errOut.Len() != 0 {
		t.Fatalf("err %v, stderr %q", err, errOut.String())
	}
	for _, want := range []string{"pid:      7\n", "version:  v1.2.3\n", "socket:   /run/spin/broker.sock\n", "keyring:  file\n", "locked:   true\n", "log:      /state/spin/spind.log\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("daemon status lacks %q:\n%s", want, out.String())
		}
	}
}

// A spind whose keyring does not open still runs and answers: daemon
// status (a liveness check for scripts) succeeds, and names the keyring's
// error with spind's fix after the block.
func TestStatusWarnsWhenKeyringDoesNotOpen(t *testing.T) {
	var out, errOut bytes.Buffer
	d := &daemon{st: api.Status{PID: 7, Backend: "auto", KeyringError: "no keyring backend works here", KeyringHint: "set keyring.backend: file"}}
	if err := Status(t.Context(), d, func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatalf("got %v, want success: spind runs", err)
	}
	if !strings.Contains(out.String(), "pid:      7\n") || !strings.Contains(out.String(), "keyring:  auto (does not open)\n") || len(d.calls) != 1 || d.calls[0] != "check" {
		t.Errorf("status printed %q after calls %v; want the block after one keyring check", out.String(), d.calls)
	}
	want := "spin: warning: spind runs, but its keyring does not open: no keyring backend works here\nspin: hint: set keyring.backend: file\n"
	if errOut.String() != want {
		t.Errorf("stderr %q, want %q", errOut.String(), want)
	}
}

// A config.yaml spind cannot use is shown in the block; spin says so and
// gives spind's fix, and still exits 0: spind runs and answers.
func TestStatusWarnsOnBrokenConfig(t *testing.T) {
	var out, errOut bytes.Buffer
	d := &daemon{st: api.Status{PID: 7, Backend: "file", ConfigPath: "/h/config.yaml",
		ConfigError: "/h/config.yaml:2:3: unknown key \"regoin\" in defaults", ConfigHint: "fix the file; spind re-reads it on the next request"}}
	if err := Status(t.Context(), d, func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatalf("got %v, want success: spind runs", err)
	}
	if !strings.Contains(out.String(), "regoin") {
		t.Errorf("status block %q lacks the config error", out.String())
	}
	want := "spin: warning: spind runs, but cannot use /h/config.yaml (config error above)\nspin: hint: fix the file; spind re-reads it on the next request\n"
	if errOut.String() != want {
		t.Errorf("stderr %q, want %q", errOut.String(), want)
	}
}
