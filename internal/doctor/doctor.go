// Package doctor is `spin doctor`: each check is a value saying what was
// checked, what was found and, when it is not fine, the command that fixes
// it. Everything a check reads from outside (spind, files, PATH, STS) comes
// in through Deps, so each is tested on its own.
package doctor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/launch"
	"github.com/cloudspin/spin/internal/awsnet"
	"github.com/cloudspin/spin/internal/version"
	"github.com/cloudspin/spin/profiles"
)

// Status is how a check went.
type Status string

// The statuses, as printed (padded to one width).
const (
	OK   Status = "ok"
	Warn Status = "warn"
	Fail Status = "FAIL"
)

// Check is one line of `spin doctor`.
type Check struct {
	Status Status
	Name   string
	Detail string
	Fix    string // the command that fixes it; empty when fine
}

// String is the check's line: status, name, what was found, the fix.
func (c Check) String() string {
	line := fmt.Sprintf("%-4s %s: %s", c.Status, c.Name, c.Detail)
	if c.Fix != "" {
		line += " (fix: " + c.Fix + ")"
	}
	return line
}

// Daemon is the part of spind's client doctor asks.
type Daemon interface {
	Socket() string
	Status(ctx context.Context) (api.Status, error)
	ListKeys(ctx context.Context) ([]api.KeyInfo, error)
	// VerifyKey has spind call STS GetCallerIdentity with a key set.
	VerifyKey(ctx context.Context, name string) (api.KeyVerify, error)
}

// Deps is what the checks read. Daemon nil means the socket path could not
// be worked out (DaemonErr says why).
type Deps struct {
	Daemon    Daemon
	DaemonErr error
	Getenv    func(string) string
	// Setup loads spin's config and the AWS config path.
	Setup func() (*profiles.Setup, error)
	// LookPath finds a binary on PATH; nil is exec.LookPath.
	LookPath func(string) (string, error)
	// HTTP makes the clock check's client for a network config; nil is
	// awsnet.NewHTTPClient.
	HTTP func(awsnet.Network) (*http.Client, error)
	// Offline skips what calls AWS: each key set's GetCallerIdentity and
	// the clock check.
	Offline bool
}

// Run runs every check, in the order they print.
func Run(ctx context.Context, d Deps) []Check {
	if d.Daemon == nil {
		return []Check{{Fail, "socket", d.DaemonErr.Error(), "set SPIN_SOCKET to a shorter path"}}
	}
	if d.LookPath == nil {
		d.LookPath = exec.LookPath
	}
	if d.HTTP == nil {
		d.HTTP = awsnet.NewHTTPClient
	}
	sock := d.Daemon.Socket()
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	st, err := d.Daemon.Status(cctx)
	out := []Check{spindCheck(sock, st, err), socketCheck(sock)}
	var running *api.Status
	var keys []api.KeyInfo
	keysListed := false
	if err == nil {
		running = &st
		var c Check
		c, keys, keysListed = keyringCheck(cctx, d.Daemon, st)
		out = append(out, c)
	}
	setup, serr := d.Setup()
	if keysListed {
		out = append(out, keySetChecks(ctx, d.Daemon, keys, setup, d.Offline)...)
	}
	out = append(out, profilesCheck(setup, serr)...)
	shadows, shadowed := shadowChecks(setup, d.Getenv)
	out = append(out, shadows...)
	out = append(out, plaintextCheck(d.Getenv, shadowed))
	out = append(out, configKeysCheck(d.Getenv)...)
	out = append(out, strayCopiesCheck(d.Getenv)...)
	out = append(out, tofuCheck(d.Getenv, d.LookPath))
	if d.Offline {
		return out
	}
	return append(out, clockCheck(ctx, d.HTTP, stsTarget(d.Getenv, setup, running)))
}

// Print writes one line per check and reports whether any failed.
func Print(w io.Writer, checks []Check) (failed bool) {
	for _, c := range checks {
		fmt.Fprintln(w, c)
		failed = failed || c.Status == Fail
	}
	return failed
}

func spindCheck(sock string, st api.Status, err error) Check {
	switch {
	case errors.Is(err, launch.ErrNoDaemon):
		return Check{Fail, "spind", "not running on " + sock, "spin daemon start"}
	case err != nil:
		return Check{Fail, "spind", err.Error(), "spin daemon stop; spin daemon start"}
	case st.Version != version.String():
		// Still serving, but started from an older (or newer) install: a
		// restart picks up the spind that matches this spin.
		return Check{Warn, "spind", fmt.Sprintf("running version %s, but spin is %s", st.Version, version.String()), "spin daemon stop; spin daemon start"}
	}
	return Check{OK, "spind", "running, version " + st.Version, ""}
}

// keyringCheck reports the keyring and, when it could list them, the key
// sets stored (listed true).
func keyringCheck(ctx context.Context, d Daemon, st api.Status) (c Check, keys []api.KeyInfo, listed bool) {
	if st.Locked {
		return Check{Fail, "keyring", "the " + st.Backend + " keyring is locked", "spin unlock"}, nil, false
	}
	keys, err := d.ListKeys(ctx)
	if err != nil {
		// spind's own fix first: a broken config.yaml is fixed in the
		// file, not by choosing another backend.
		msg, fix := err.Error(), "set keyring.backend in spin's config.yaml"
		if ae, ok := errors.AsType[*api.Error](err); ok && ae.Hint != "" {
			msg, fix = ae.Message, ae.Hint
		}
		return Check{Fail, "keyring", msg, fix}, nil, false
	}
	if len(keys) == 0 {
		return Check{Warn, "keyring", st.Backend + " reachable, no key sets stored", "spin keys add NAME"}, keys, true
	}
	if ws := api.Warnings(keys); len(ws) > 0 { // keys.max_age (CIS 1.14), or a rotation stopped halfway
		return Check{Warn, "keyring", ws[0].Message, ws[0].Hint()}, keys, true
	}
	return Check{OK, "keyring", fmt.Sprintf("%s reachable, %d key set(s)", st.Backend, len(keys)), ""}, keys, true
}
