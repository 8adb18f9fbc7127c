package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/cloudspin/spin/internal/hint"
)

// checkTimeout bounds the probe of the service manager: a wedged D-Bus must
// not hang 'spin daemon install'.
const checkTimeout = 5 * time.Second

// withoutManager is what to do when no service manager serves this user:
// start spind from the login shell instead (what 'spin daemon start' does),
// or, for systemd, give the user a manager that outlives logins.
const withoutManager = "add 'spin daemon start >/dev/null' to your shell profile (~/.profile) instead"

// Check makes sure a service manager will run a unit for this user before
// one is written: a systemd user instance reachable with 'systemctl
// --user', or a launchd GUI domain. Containers, WSL without systemd and
// SSH logins without a user manager have none, and a unit written there
// would never start. The error says why and what to do instead.
func Check(ctx context.Context, k Kind) error {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	if k == Launchd {
		domain := fmt.Sprintf("gui/%d", os.Getuid())
		if out, err := probe(ctx, "launchctl", "print", domain); err != nil {
			return hint.Wrap(fmt.Errorf("no launchd GUI session for this user (launchctl print %s: %s): a launch agent would never start", domain, out),
				"log in at the Mac's screen, or "+withoutManager)
		}
		return nil
	}
	out, err := probe(ctx, "systemctl", "--user", "show", "--property=Version")
	if err == nil {
		return nil
	}
	var notFound *exec.Error
	if errors.As(err, &notFound) {
		return hint.Wrap(errors.New("systemctl not found: this system does not run systemd, so a user unit would never start"),
			withoutManager)
	}
	return hint.Wrap(fmt.Errorf("no systemd user instance for this user (systemctl --user: %s): a user unit would never start", out),
		"for a login over SSH run 'sudo loginctl enable-linger $USER' and log in again; in a container or WSL without systemd, "+withoutManager)
}

// probe runs a service manager command and returns the gist of its
// output (its last line, which is where systemctl and launchctl say why).
func probe(ctx context.Context, name string, args ...string) (string, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return "", err
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	if err == nil {
		return "", nil
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	why := strings.TrimSpace(lines[len(lines)-1])
	switch {
	case ctx.Err() != nil:
		why = "no answer in " + checkTimeout.String()
	case why == "":
		why = err.Error()
	}
	return why, err
}
