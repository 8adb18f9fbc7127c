package credproc

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/credask"
	"github.com/cloudspin/spin/internal/spindbin"
)

// fetchWithSignin handles spind's signin_required for an sso or login
// source, as fetchWithMFA does a code: a helper in the terminal's
// foreground asks again saying it can sign in. If spind picks it, it runs
// 'spin login SOURCE' on the terminal (never on the SDK's stdout) and asks
// once more; every other caller waits in spind for that sign-in. A helper
// without a terminal keeps the one-line hint.
func fetchWithSignin(ctx context.Context, o Options, body []byte) (int, []byte, error) {
	var e api.Error
	if json.Unmarshal(body, &e) != nil || e.Code != api.CodeSigninRequired ||
		(e.SourceKind != "sso" && e.SourceKind != "login") || e.Source == "" {
		return 401, body, nil
	}
	tty := credask.ForegroundTTY()
	if tty == nil {
		return 401, body, nil
	}
	defer tty.Close()
	spin, err := spindbin.Find("spin")
	if err != nil {
		return 401, body, nil
	}
	path := credask.Path(o.Profile, o.SessionName, o.Launch.Config, false) + signinQuery(o.SessionName)
	status, answer, err := do(ctx, o, "GET", path, nil)
	if err != nil || status != 401 {
		return status, answer, err
	}
	var chosen api.Error
	if json.Unmarshal(answer, &chosen) != nil || chosen.Code != api.CodeSigninRequired || !chosen.Prompt {
		return status, answer, nil
	}
	// A browser sign-in takes longer than a credential request may: the
	// sign-in gets spind's window for it, not what is left of ours, and is
	// interrupted (not killed) when that ends, so the terminal is restored.
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), signinWindow)
	defer cancel()
	// Ctrl-C reaches 'spin login' and this helper alike (one foreground
	// process group): the helper must outlive it to release the callers
	// waiting for this sign-in, and passes a SIGTERM meant for it alone on
	// as an interrupt. Only here: the common path keeps no handler.
	lctx, stopSignals := signal.NotifyContext(lctx, os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
	cmd := exec.CommandContext(lctx, spin, "login", e.Source)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	// The same spind, whatever this helper's environment says.
	cmd.Env = append(os.Environ(), "SPIN_SOCKET="+o.Launch.Socket)
	if err := cmd.Run(); err != nil {
		// Release the callers waiting for this sign-in at once.
		cctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, _, _ = do(cctx, o, "POST", api.PathSignin+credask.Escape(e.Source, false)+"/cancel", []byte("{}"))
		cancel()
		switch {
		case errors.Is(context.Cause(lctx), context.DeadlineExceeded):
			return 0, nil, errors.New("source " + e.Source + ": the sign-in did not finish in time: run 'spin login " + e.Source + "', then retry")
		case lctx.Err() != nil:
			return 0, nil, errors.New("source " + e.Source + ": the sign-in was interrupted: run 'spin login " + e.Source + "', then retry")
		}
		return 0, nil, errors.New("source " + e.Source + ": the sign-in failed (" + err.Error() + "): run 'spin login " + e.Source + "'")
	}
	rctx, rcancel := context.WithTimeout(context.Background(), o.Timeout)
	defer rcancel()
	return do(rctx, o, "GET", credask.Path(o.Profile, o.SessionName, o.Launch.Config, false), nil)
}

// signinWindow is how long spind holds other callers for a helper's
// sign-in (broker/signin_round.go's signinPromptWindow).
const signinWindow = 3 * time.Minute

// signinQuery is ?signin=prompt, or &signin=prompt after a session name.
func signinQuery(sessionName string) string {
	if sessionName != "" {
		return "&signin=" + api.QuerySigninPrompt
	}
	return "?signin=" + api.QuerySigninPrompt
}
