package credproc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/credask"
	"github.com/cloudspin/spin/broker/launch"
)

// mfaSource is how this helper can get an MFA code, if at all. An SDK
// swallows whatever a helper writes to stderr, so the user is asked on the
// terminal itself, and only when the helper is in the terminal's
// foreground process group: tofu runs providers in their own group, where
// reading the tty would stop the helper with SIGTTIN.
type mfaSource struct {
	tty     *os.File // foreground terminal, or nil
	command string   // SPIN_MFA_COMMAND, or ""
}

func newMFASource(getenv func(string) string) *mfaSource {
	m := &mfaSource{command: getenv("SPIN_MFA_COMMAND")}
	m.tty = credask.ForegroundTTY()
	return m
}

func (m *mfaSource) close() {
	if m.tty != nil {
		m.tty.Close()
	}
}

func (m *mfaSource) available() bool { return m.tty != nil || m.command != "" }

// code asks the terminal, else runs SPIN_MFA_COMMAND, for profile's code.
func (m *mfaSource) code(ctx context.Context, profile string) (string, error) {
	if m.tty != nil {
		// Ctrl-C at the prompt must not end the helper before it has
		// released the callers waiting for this code (fetchWithMFA): the
		// signal ends the prompt instead. Only here: the common path keeps
		// no handler.
		sigctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		fmt.Fprintf(m.tty, "spin: MFA code for profile %s: ", profile)
		type answer struct {
			line string
			err  error
		}
		got := make(chan answer, 1)
		go func() {
			line, err := bufio.NewReader(m.tty).ReadString('\n')
			got <- answer{line, err}
		}()
		select {
		case a := <-got:
			if a.err != nil {
				return "", fmt.Errorf("profile %s: read the MFA code from the terminal: %w: run 'spin mfa %s'", profile, a.err, profile)
			}
			return strings.TrimSpace(a.line), nil
		case <-sigctx.Done():
			fmt.Fprintln(m.tty)
			m.tty.Close() // ends the read
			m.tty = nil
			return "", fmt.Errorf("profile %s: the MFA prompt was interrupted: run 'spin mfa %s', then retry", profile, profile)
		}
	}
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", m.command)
	cmd.Env = append(launch.ScrubEnv(os.Environ()), "SPIN_PROFILE="+profile)
	cmd.Stdin = nil // never the SDK's pipe
	out, err := cmd.Output()
	if err != nil {
		// Output keeps the command's stderr in the ExitError: its last line
		// is usually why (a locked password store, a missing entry), and
		// the SDK shows nothing of the helper but this one line.
		why := ""
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			if last := lastLine(exit.Stderr); last != "" {
				why = ": " + last
			}
		}
		return "", fmt.Errorf("profile %s: SPIN_MFA_COMMAND failed (%w)%s: fix the command, or run 'spin mfa %s'", profile, err, why, profile)
	}
	return strings.TrimSpace(string(out)), nil
}

// lastLine is the last line of b without its final period, cut to 200
// bytes so a chatty command cannot flood the SDK's error message.
func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	last := strings.TrimRight(strings.TrimSpace(lines[len(lines)-1]), ".")
	if len(last) > 200 {
		last = strings.ToValidUTF8(last[:200], "") + "…"
	}
	return last
}

// sendCode hands the code to spind, which makes the MFA session.
func sendCode(ctx context.Context, o Options, code string) error {
	body, _ := json.Marshal(map[string]string{"code": code})
	status, resp, err := do(ctx, o, "POST", api.PathMFA+credask.Escape(o.Profile, false), body)
	if err != nil {
		return err
	}
	if status/100 != 2 {
		return credask.Refused(status, resp, o.Profile)
	}
	return nil
}
