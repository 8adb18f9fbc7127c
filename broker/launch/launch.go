// Package launch finds a running spind or starts one, the way ssh-add finds
// ssh-agent except that it can start it. Starting is serialised with a flock
// so that hundreds of helpers racing at once spawn a single daemon. It does
// not speak HTTP (the credential helper links it and must start fast): a
// socket that accepts a connection is a live spind, since spind creates it
// only once it listens.
package launch

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/cloudspin/spin/broker/sock"
	"github.com/cloudspin/spin/internal/atomicfile"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/internal/spindbin"
)

// ErrNoDaemon means nothing answers on the socket.
var ErrNoDaemon error = &hint.Error{Err: errors.New("spind is not running"), Next: "run 'spin daemon start'"}

// Options say how to start spind when nobody answers.
type Options struct {
	Socket string
	// Config is the spin config spind is to serve (its --config),
	// absolute; empty: spind's default. Requests for credentials name it
	// too, so that spind can refuse another config's profile.
	Config  string
	Getenv  func(string) string
	Args    []string      // extra spind arguments, e.g. --keyring-backend NAME
	Wait    time.Duration // how long to wait for the socket; default 3s
	Binary  string        // spind path; default: next to os.Executable, else PATH
	LogFile string        // default: LogPath(Getenv)
	// Explicit marks a start the user asked for (`spin daemon start`):
	// spind then keeps the caller's environment and takes AWS endpoints,
	// proxy and CA bundle from it. Otherwise (autostart by the helper or
	// any other spin command) spind gets only AllowedEnv and is told it
	// was autostarted, so one project shell cannot decide where every
	// later STS call goes.
	Explicit bool
}

// AutostartFlag tells spind it was started on demand and must ignore
// endpoint and proxy variables.
const AutostartFlag = "--autostarted"

// Ensure makes sure a spind listens on o.Socket, starting one if needed.
func Ensure(ctx context.Context, o Options) error {
	_, err := EnsureStarted(ctx, o)
	return err
}

// EnsureStarted is Ensure that also says whether this call started spind,
// so an explicit start can warn that a running spind kept its settings.
func EnsureStarted(ctx context.Context, o Options) (started bool, err error) {
	if err := Ping(ctx, o.Socket); err == nil {
		return false, nil
	} else if !errors.Is(err, ErrNoDaemon) {
		return false, err
	}
	if o.Wait == 0 {
		o.Wait = 3 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, o.Wait)
	defer cancel()

	if err := os.MkdirAll(filepath.Dir(o.Socket), 0o700); err != nil {
		return false, fmt.Errorf("start spind: %w", err)
	}
	unlock, err := atomicfile.Lock(ctx, o.Socket+".launch")
	if err != nil {
		return false, fmt.Errorf("start spind: %w", err)
	}
	defer unlock()
	// Whoever held the lock before us may have started it already.
	if err := Ping(ctx, o.Socket); err == nil {
		return false, nil
	}
	exited, err := start(o)
	if err != nil {
		return false, err
	}
	for {
		if err := Ping(ctx, o.Socket); err == nil {
			return true, nil
		} else if !errors.Is(err, ErrNoDaemon) {
			return false, err
		}
		select {
		case <-ctx.Done():
			return false, fmt.Errorf("spind did not answer on %s within %s: see its log %s", o.Socket, o.Wait, o.logFile())
		case code := <-exited:
			// ExitAlreadyRunning: another spind won the race; it answers
			// soon. Any other exit is a failure not worth waiting out.
			if code != ExitAlreadyRunning {
				return false, fmt.Errorf("spind exited (status %d) before answering on %s: see its log %s", code, o.Socket, o.logFile())
			}
			exited = nil
		case <-time.After(15 * time.Millisecond):
		}
	}
}

// ExitAlreadyRunning is spind's exit status when another spind already
// serves its socket: the launcher keeps waiting for that one.
const ExitAlreadyRunning = 3

// Ping reports whether spind accepts connections on the socket: a socket
// and a process of this user's (broker/sock), so a squatted socket is an
// error, not a live spind.
func Ping(ctx context.Context, socket string) error {
	deadline := time.Now().Add(2 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	c, err := sock.Dial(socket, deadline)
	if err != nil {
		var ue *sock.UntrustedError
		switch {
		case sock.NoListener(err):
			return fmt.Errorf("%w (socket %s)", ErrNoDaemon, socket)
		case errors.As(err, &ue):
			return err
		}
		return fmt.Errorf("reach spind at %s: %w", socket, err)
	}
	c.Close()
	return nil
}

// start runs spind detached: its own session, stdio on its log file and
// never on our pipes (SDKs read the helper's stdout until EOF and would hang
// on a daemon that inherited it), cwd / so it pins no directory.
// The channel gets spind's exit status if it exits.
func start(o Options) (<-chan int, error) {
	bin, err := o.binary()
	if err != nil {
		return nil, err
	}
	logf, err := OpenLog(o.logFile())
	if err != nil {
		return nil, fmt.Errorf("start spind: %w", err)
	}
	defer logf.Close()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return nil, err
	}
	defer devnull.Close()
	args := []string{"--socket", o.Socket}
	if o.Config != "" {
		args = append(args, "--config", o.Config)
	}
	args = append(args, o.Args...)
	env := spindbin.AllowedEnv(os.Environ())
	if o.Explicit {
		env = ScrubEnv(os.Environ())
	} else {
		args = append(args, AutostartFlag)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = busEnv(env)
	cmd.Dir = rootDir()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = devnull, logf, logf
	detach(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start spind %s: %w", bin, err)
	}
	// Reap it if it exits early (lost a race, or failed); never block on
	// it: a spind that serves outlives this process.
	exited := make(chan int, 1)
	go func() {
		_ = cmd.Wait()
		exited <- cmd.ProcessState.ExitCode()
	}()
	return exited, nil
}

func (o Options) binary() (string, error) {
	if o.Binary != "" {
		return o.Binary, nil
	}
	return spindbin.Spind()
}

func (o Options) logFile() string {
	if o.LogFile != "" {
		return o.LogFile
	}
	return LogPath(o.Getenv)
}

// LogPath is where an autostarted spind writes its log:
// $XDG_STATE_HOME/spin/spind.log, else ~/.local/state/spin/spind.log, else
// (no home at all) spind.log in a private spin-UID directory under the
// temporary directory, never a file directly in a shared one.
func LogPath(getenv func(string) string) string {
	if getenv == nil {
		getenv = os.Getenv
	}
	if d := getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "spin", "spind.log")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "state", "spin", "spind.log")
	}
	tmp := cmp.Or(getenv("TMPDIR"), "/tmp")
	return filepath.Join(tmp, fmt.Sprintf("spin-%d", os.Getuid()), "spind.log")
}

// ScrubEnv returns env without the variables that carry secrets.
func ScrubEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if !secret.IsEnvVar(k) {
			out = append(out, kv)
		}
	}
	return out
}
