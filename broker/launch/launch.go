// Package launch finds a running spind or starts one, the way ssh-add finds
// ssh-agent except that it can start it. Starting is serialised with a flock
// so that hundreds of helpers racing at once spawn a single daemon. It does
// not speak HTTP (the credential helper links it and must start fast): a
// socket that accepts a connection is a live spind, since spind creates it
// only once it listens.
package launch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cloudspin/spin/internal/hint"
)

// ErrNoDaemon means nothing answers on the socket.
var ErrNoDaemon error = &hint.Error{Err: errors.New("spind is not running"), Next: "run 'spin daemon start'"}

// Options say how to start spind when nobody answers.
type Options struct {
	Socket  string
	Getenv  func(string) string
	Args    []string      // extra spind arguments, e.g. --config PATH
	Wait    time.Duration // how long to wait for the socket; default 3s
	Binary  string        // spind path; default: next to os.Executable, else PATH
	LogFile string        // default: LogPath(Getenv)
}

// Ensure makes sure a spind listens on o.Socket, starting one if needed.
func Ensure(ctx context.Context, o Options) error {
	if err := Ping(ctx, o.Socket); err == nil {
		return nil
	} else if !errors.Is(err, ErrNoDaemon) {
		return err
	}
	if o.Wait == 0 {
		o.Wait = 3 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, o.Wait)
	defer cancel()

	if err := os.MkdirAll(filepath.Dir(o.Socket), 0o700); err != nil {
		return fmt.Errorf("start spind: %w", err)
	}
	unlock, err := lock(ctx, o.Socket+".launch")
	if err != nil {
		return fmt.Errorf("start spind: %w", err)
	}
	defer unlock()
	// Whoever held the lock before us may have started it already.
	if err := Ping(ctx, o.Socket); err == nil {
		return nil
	}
	if err := start(o); err != nil {
		return err
	}
	for {
		if err := Ping(ctx, o.Socket); err == nil {
			return nil
		} else if !errors.Is(err, ErrNoDaemon) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("spind did not answer on %s within %s: see its log %s", o.Socket, o.Wait, o.logFile())
		case <-time.After(15 * time.Millisecond):
		}
	}
}

// NoListener reports whether a dial error means nothing listens on the
// socket (no file, or a stale one), as opposed to a socket that exists
// but cannot be reached.
func NoListener(err error) bool {
	return errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ECONNREFUSED)
}

// Ping reports whether something accepts connections on the socket.
func Ping(ctx context.Context, socket string) error {
	var d net.Dialer
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	c, err := d.DialContext(ctx, "unix", socket)
	if err != nil {
		if NoListener(err) {
			return fmt.Errorf("%w (socket %s)", ErrNoDaemon, socket)
		}
		return fmt.Errorf("reach spind at %s: %w", socket, err)
	}
	return c.Close()
}

// lock takes an exclusive flock, polling so that ctx bounds the wait.
func lock(ctx context.Context, path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// start runs spind detached: its own session, stdio on its log file and
// never on our pipes (SDKs read the helper's stdout until EOF and would hang
// on a daemon that inherited it), cwd / so it pins no directory.
func start(o Options) error {
	bin, err := o.binary()
	if err != nil {
		return err
	}
	logPath := o.logFile()
	if err := os.MkdirAll(filepath.Dir(logPath), 0o700); err != nil {
		return fmt.Errorf("start spind: %w", err)
	}
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("start spind: open log: %w", err)
	}
	defer logf.Close()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return err
	}
	defer devnull.Close()
	args := append([]string{"--socket", o.Socket}, o.Args...)
	cmd := exec.Command(bin, args...)
	cmd.Env = ScrubEnv(os.Environ())
	cmd.Dir = "/"
	cmd.Stdin, cmd.Stdout, cmd.Stderr = devnull, logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start spind %s: %w", bin, err)
	}
	// Reap it if it exits early (e.g. lost a race); never block on it.
	go func() { _ = cmd.Wait() }()
	return nil
}

func (o Options) binary() (string, error) {
	if o.Binary != "" {
		return o.Binary, nil
	}
	if exe, err := os.Executable(); err == nil {
		cand := filepath.Join(filepath.Dir(exe), "spind")
		if st, err := os.Stat(cand); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return cand, nil
		}
	}
	p, err := exec.LookPath("spind")
	if err != nil {
		return "", fmt.Errorf("spind not found next to spin or on PATH: install both binaries together")
	}
	return p, nil
}

func (o Options) logFile() string {
	if o.LogFile != "" {
		return o.LogFile
	}
	return LogPath(o.Getenv)
}

// LogPath is where an autostarted spind writes its log:
// $XDG_STATE_HOME/spin/spind.log, else ~/.local/state/spin/spind.log.
func LogPath(getenv func(string) string) string {
	if getenv == nil {
		getenv = os.Getenv
	}
	if d := getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "spin", "spind.log")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "state", "spin", "spind.log")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("spind-%d.log", os.Getuid()))
}

// secretVars must never reach spind or a child spin starts: spind would keep
// them in /proc/PID/environ for its whole life, and pass them on.
var secretVars = []string{"SPIN_KEYRING_PASSPHRASE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"}

// ScrubEnv returns env without the variables that carry secrets.
func ScrubEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		secret := false
		for _, v := range secretVars {
			if k == v {
				secret = true
				break
			}
		}
		if !secret {
			out = append(out, kv)
		}
	}
	return out
}
