// Package daemoncmd is the CLI's side of `spin daemon`, `spin lock` and
// `spin unlock`: it starts, stops, unlocks and locks spind through its
// socket and says what happened. The passphrase goes to spind over the
// socket, never into its environment or argv.
package daemoncmd

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/apitext"
	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/broker/launch"
	"github.com/cloudspin/spin/internal/awsnet"
	"github.com/cloudspin/spin/internal/hardening"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/passphrase"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/internal/termtext"
)

// Daemon is the part of spind's client (broker/client) these commands use.
type Daemon interface {
	Status(ctx context.Context) (api.Status, error)
	CheckKeyring(ctx context.Context) (api.Status, error)
	UnlockIfNeeded(ctx context.Context, fromEnv secret.String, ask passphrase.Ask) error
	Lock(ctx context.Context) error
	Stop(ctx context.Context) (bool, error)
	Socket() string
	Close() // drops idle connections, as to a spind just stopped
}

// Terminal asks for a passphrase without echo (ttyprompt.TTY).
type Terminal interface {
	Hidden(ctx context.Context, prompt string) (secret.String, error)
}

// IO is where a command reads and writes, and the caller's environment.
type IO struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	TTY            Terminal
}

// StartOptions are the flags of `spin daemon start` and `restart`.
type StartOptions struct {
	Restart bool   // stop the running spind first
	Backend string // --keyring-backend
}

// Start is `spin daemon start` (or restart) with o for the socket, the
// config and spind's binary: an explicit start, the only one that hands
// spind this shell's endpoint and proxy variables.
func Start(ctx context.Context, o launch.Options, so StartOptions, t IO) error {
	o.Explicit = true
	if so.Backend != "" {
		o.Args = append(o.Args, "--keyring-backend", so.Backend)
	}
	c := client.New(o.Socket)
	defer c.Close()
	return start(ctx, c, func(ctx context.Context) (bool, error) { return launch.EnsureStarted(ctx, o) }, so, t)
}

// start starts spind (ensure says whether this call did), unlocks and
// opens its keyring and reports it, or says why the keyring cannot work.
func start(ctx context.Context, d Daemon, ensure func(context.Context) (bool, error), so StartOptions, t IO) error {
	hardening.ForSecret(t.Stderr)
	if so.Restart {
		running, err := d.Stop(ctx)
		if err != nil {
			return err
		}
		d.Close()
		if running {
			fmt.Fprintln(t.Stdout, "spind stopped (its cached sessions are forgotten)")
		}
	}
	// spind would refuse them too, but only in its log.
	if err := awsnet.FromEnv(t.Getenv).Check(); err != nil {
		return hint.Wrap(fmt.Errorf("this shell's environment: %w", err),
			"fix or unset the variable, or set endpoints:/network: in config.yaml (they win over the environment)")
	}
	started, err := ensure(ctx)
	if err != nil {
		return err
	}
	if err := unlock(ctx, d, t); err != nil {
		return err
	}
	st, err := d.CheckKeyring(ctx)
	if err != nil {
		return err
	}
	if want := cmp.Or(so.Backend, t.Getenv("SPIN_KEYRING_BACKEND")); !started && want != "" && want != "auto" && want != st.Backend {
		return hint.Wrap(fmt.Errorf("spind already runs with the %s keyring, not %s", st.Backend, want),
			"run 'spin daemon restart --keyring-backend "+want+"' (cached sessions are forgotten)")
	}
	if st.ConfigError != "" {
		// spind took its keyring backend, endpoints and network settings
		// from nowhere, and the passphrase went to no keyring: not a start.
		return hint.Wrap(errors.New("spind runs, but cannot use its config: "+st.ConfigError),
			"fix the file, then run 'spin daemon start' again (it opens and unlocks the keyring the file names)")
	}
	if st.KeyringError != "" {
		return hint.Wrap(errors.New("spind runs, but its keyring does not open: "+st.KeyringError), st.KeyringHint)
	}
	fmt.Fprintf(t.Stdout, "spind is running (pid %d, keyring %s, socket %s)\n", st.PID, st.Backend, d.Socket())
	apitext.Net(t.Stdout, st)
	if !started {
		if lines := notInUse(awsnet.FromEnv(t.Getenv).Describe(), st); len(lines) > 0 {
			fmt.Fprintf(t.Stderr, "spin: spind was already running, so this shell's %s is not used: run 'spin daemon restart' to apply it, or set endpoints:/network: in config.yaml\n", strings.Join(lines, ", "))
		}
	}
	return nil
}

// notInUse are the lines of the shell's endpoints and network settings
// that the running spind does not use: a setting it already has (the
// same AWS_CA_BUNDLE as when it started, say) is no reason to restart.
func notInUse(lines []string, st api.Status) []string {
	inUse := map[string]bool{}
	for s, u := range st.Endpoints {
		inUse[s+" endpoint: "+u] = true
	}
	if n := st.Network; n != nil {
		inUse["https_proxy: "+n.HTTPSProxy] = n.HTTPSProxy != ""
		inUse["no_proxy: "+n.NoProxy] = n.NoProxy != ""
		inUse["ca_bundle: "+n.CABundle] = n.CABundle != ""
	}
	var out []string
	for _, l := range lines {
		if !inUse[l] {
			out = append(out, l)
		}
	}
	return out
}

// unlock hands a locked spind SPIN_KEYRING_PASSPHRASE or the passphrase
// asked on the terminal.
func unlock(ctx context.Context, d Daemon, t IO) error {
	ask := func(prompt string) (secret.String, error) { return t.TTY.Hidden(ctx, prompt) }
	return d.UnlockIfNeeded(ctx, secret.New(t.Getenv("SPIN_KEYRING_PASSPHRASE")), ask)
}

// Unlock is `spin unlock`: the passphrase for a locked file keyring, or
// a reopen for the other backends.
func Unlock(ctx context.Context, d Daemon, t IO) error {
	hardening.ForSecret(t.Stderr)
	st, err := d.Status(ctx)
	if err != nil {
		return err
	}
	if !st.Locked {
		fmt.Fprintf(t.Stdout, "the %s keyring is not locked\n", st.Backend)
		return nil
	}
	if err := unlock(ctx, d, t); err != nil {
		return err
	}
	fmt.Fprintln(t.Stdout, "unlocked")
	return nil
}

// Lock is `spin lock`; with no spind running there is nothing to lock.
func Lock(ctx context.Context, d Daemon, stdout io.Writer) error {
	if err := d.Lock(ctx); err != nil {
		if errors.Is(err, launch.ErrNoDaemon) {
			fmt.Fprintln(stdout, "spind is not running: nothing to lock")
			return nil
		}
		return err
	}
	fmt.Fprintln(stdout, "locked: spind forgot its key sets; cached role sessions are served until they expire")
	fmt.Fprintln(stdout, "run 'spin unlock' to resume")
	return nil
}

// Stop is `spin daemon stop`.
func Stop(ctx context.Context, d Daemon, stdout io.Writer) error {
	running, err := d.Stop(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, map[bool]string{true: "spind stopped", false: "spind is not running"}[running])
	return nil
}

// Status is `spin daemon status`: spind's process, with its log's path.
// spind opens its keyring for it (resolving auto), as for `spin daemon
// start`, so a keyring that does not open is named, with spind's fix.
// That is a warning, not a failure: the exit status says whether spind
// runs and answers, which scripts and service checks rely on (a spind
// without a keyring still serves web_identity sources and cached
// sessions); `spin daemon start` and `spin doctor` fail on the keyring.
func Status(ctx context.Context, d Daemon, getenv func(string) string, stdout, stderr io.Writer) error {
	st, err := d.CheckKeyring(ctx)
	if err != nil {
		return err
	}
	apitext.Daemon(stdout, st, d.Socket(), launch.LogPath(getenv), time.Now())
	if st.KeyringError != "" {
		fmt.Fprintf(stderr, "spin: warning: spind runs, but its keyring does not open: %s\n", termtext.Clean(st.KeyringError))
		if st.KeyringHint != "" {
			fmt.Fprintf(stderr, "spin: hint: %s\n", termtext.Clean(st.KeyringHint))
		}
	}
	// The block shows the config error itself; say what to do about it,
	// as spin status does (exit 0 still: spind runs and answers).
	if st.ConfigError != "" {
		fmt.Fprintf(stderr, "spin: warning: spind runs, but cannot use %s (config error above)\n", cmp.Or(st.ConfigPath, "its config.yaml"))
		if st.ConfigHint != "" {
			fmt.Fprintf(stderr, "spin: hint: %s\n", termtext.Clean(st.ConfigHint))
		}
	}
	return nil
}
