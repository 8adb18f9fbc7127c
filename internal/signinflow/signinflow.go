// Package signinflow is the CLI's side of `spin login`: it asks spind to
// start a source's sign-in, shows the verification URL and code, opens the
// browser and, for the browser flow, runs the loopback listener that
// receives the authorization code and relays it (with its state) to spind.
// Every token, the client registration and the PKCE verifier stay in spind.
package signinflow

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/secret"
)

// Daemon is the part of spind's client a sign-in uses.
type Daemon interface {
	StartSignin(ctx context.Context, source string, in api.SigninStart) (api.SigninFlow, error)
	WaitSignin(ctx context.Context, source string) error
	CompleteSignin(ctx context.Context, source string, in api.SigninComplete) error
}

// Options configures one sign-in.
type Options struct {
	Source    string
	NoBrowser bool // device code: print URL and code, wait
	// Out gets the URL and code (the terminal, or stderr).
	Out io.Writer
	// Open opens a URL in a browser; nil prints only.
	Open func(url string) error
	// Timeout bounds the whole sign-in; default 10 minutes.
	Timeout time.Duration
}

// Run signs in to opts.Source through spind.
func Run(ctx context.Context, d Daemon, opts Options) error {
	if opts.Timeout == 0 {
		opts.Timeout = 10 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	if opts.NoBrowser {
		return device(ctx, d, opts)
	}
	return browser(ctx, d, opts)
}

func device(ctx context.Context, d Daemon, opts Options) error {
	f, err := d.StartSignin(ctx, opts.Source, api.SigninStart{Mode: api.SigninDevice})
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.Out, "To sign in to source %s, open this URL in a browser on any device:\n\n  %s\n\nand confirm the code: %s\n\n",
		opts.Source, f.URLComplete, f.UserCode)
	fmt.Fprintf(opts.Out, "Waiting for the sign-in (until %s)...\n", f.Expires.Local().Format("15:04:05"))
	return d.WaitSignin(ctx, opts.Source)
}

type callback struct {
	state, code, errCode, errDesc string
}

func browser(ctx context.Context, d Daemon, opts Options) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for the browser's redirect: %w", err)
	}
	defer ln.Close()
	redirect := fmt.Sprintf("http://%s/oauth/callback", ln.Addr())
	f, err := d.StartSignin(ctx, opts.Source, api.SigninStart{Mode: api.SigninBrowser, RedirectURI: redirect})
	if err != nil {
		return err
	}
	got := make(chan callback, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth/callback" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		cb := callback{state: q.Get("state"), code: q.Get("code"), errCode: q.Get("error"), errDesc: q.Get("error_description")}
		// Another page must not end the sign-in: only our state counts.
		if subtle.ConstantTimeCompare([]byte(cb.state), []byte(f.State)) != 1 {
			http.Error(w, "unexpected sign-in response", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if cb.errCode != "" {
			fmt.Fprint(w, "<!doctype html><title>spin</title><p>Sign-in failed. You can close this tab.</p>")
		} else {
			fmt.Fprint(w, "<!doctype html><title>spin</title><p>Signed in to spin. You can close this tab.</p>")
		}
		select {
		case got <- cb:
		default:
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	fmt.Fprintf(opts.Out, "To sign in to source %s, open this URL in a browser if it does not open by itself:\n\n  %s\n\n", opts.Source, f.URL)
	if opts.Open != nil {
		if err := opts.Open(f.URL); err != nil {
			fmt.Fprintf(opts.Out, "Could not open a browser (%v); open the URL yourself, or use --no-browser.\n", err)
		}
	}
	select {
	case <-ctx.Done():
		return fmt.Errorf("source %s: no answer from the browser in time: %w", opts.Source, ctx.Err())
	case cb := <-got:
		if cb.errCode != "" {
			return fmt.Errorf("source %s: the sign-in was refused: %s %s", opts.Source, cb.errCode, cb.errDesc)
		}
		return d.CompleteSignin(ctx, opts.Source, api.SigninComplete{State: cb.state, Code: cb.code})
	}
}

// Opener returns how to open a URL: $BROWSER (its first entry, with the
// URL as the last argument), else xdg-open (open on macOS).
func Opener(getenv func(string) string) func(url string) error {
	return func(url string) error {
		argv := browserArgv(getenv("BROWSER"), runtime.GOOS)
		if argv == nil {
			return errors.New("no browser: set BROWSER")
		}
		cmd := exec.Command(argv[0], append(argv[1:], url)...)
		// A browser lives on long after spin: it gets no secret from
		// this environment (an exported passphrase or key).
		for _, kv := range os.Environ() {
			if k, _, _ := strings.Cut(kv, "="); !secret.IsEnvVar(k) {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		// The browser outlives nothing of ours, but must not hold the
		// terminal's output: its chatter would mix with the prompt.
		if err := cmd.Start(); err != nil {
			return err
		}
		go func() { _ = cmd.Wait() }()
		return nil
	}
}

func browserArgv(env, goos string) []string {
	if env != "" {
		first, _, _ := strings.Cut(env, ":") // Python's webbrowser: a list of browsers
		if f := strings.Fields(first); len(f) > 0 {
			return f
		}
	}
	switch goos {
	case "darwin":
		return []string{"open"}
	case "windows":
		return []string{"rundll32", "url.dll,FileProtocolHandler"}
	}
	if p, err := exec.LookPath("xdg-open"); err == nil {
		return []string{p}
	}
	return nil
}
