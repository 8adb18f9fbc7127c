package signinflow

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cloudspin/spin/broker/api"
)

// IO is where a command reads and writes.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// LoginClient is the part of spind's client `spin login` uses.
type LoginClient interface {
	Daemon
	Importer
	Statuser
}

// LoginOptions are the flags of `spin login`.
type LoginOptions struct {
	NoBrowser  bool   // sso: the device code flow
	Remote     bool   // login: the URL opened anywhere, the code pasted here
	FromAWSCLI string // login: adopt this profile's 'aws login' session
}

// Login is `spin login SOURCE`: the sign-in o asks for, then who is
// signed in.
func Login(ctx context.Context, c LoginClient, t Terminal, source string, o LoginOptions, io IO) error {
	var err error
	switch {
	case o.FromAWSCLI != "":
		return ImportAWSCLI(ctx, c, t.Getenv, source, o.FromAWSCLI, io.Stdout, io.Stderr)
	case o.Remote:
		err = Remote(ctx, c, source, io.Stdin, io.Stderr)
	default:
		opts := Options{Source: source, NoBrowser: o.NoBrowser, Out: io.Stderr}
		if !o.NoBrowser {
			opts.Open = Opener(t.Getenv)
		}
		err = Run(ctx, c, opts)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(io.Stdout, "signed in to source %s%s\n", source, SignedInAs(ctx, c, source))
	return nil
}

// Signouter is the part of spind's client `spin logout` uses.
type Signouter interface {
	Signout(ctx context.Context, source string) error
}

// Logout is `spin logout SOURCE`: spind forgets the source's tokens and
// the sessions made from them.
func Logout(ctx context.Context, c Signouter, source string, stdout io.Writer) error {
	if err := c.Signout(ctx, source); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "signed out of source %s\n", source)
	return nil
}

// MFAClient is the part of spind's client `spin mfa` uses.
type MFAClient interface {
	MFACheck(ctx context.Context, profile string) error
	MFA(ctx context.Context, profile, code string) error
}

// MFA is `spin mfa PROFILE`: the code from stdin's first line, or asked on
// the terminal, handed to spind for the profile's MFA session. spind
// checks the profile first, so a mistyped name (or one without an MFA
// device) fails with its error before anyone types a code.
func MFA(ctx context.Context, c MFAClient, t Terminal, profile string, fromStdin bool, io IO) error {
	if err := c.MFACheck(ctx, profile); err != nil {
		return err
	}
	var code string
	if fromStdin {
		line, err := bufio.NewReader(io.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("read the MFA code from stdin: %w", err)
		}
		code = strings.TrimSpace(line)
	} else {
		var err error
		if code, err = PromptMFACode(ctx, t, profile); err != nil {
			return err
		}
	}
	if err := c.MFA(ctx, profile, code); err != nil {
		return err
	}
	fmt.Fprintf(io.Stdout, "MFA session ready for profile %s\n", profile)
	return nil
}

// ConsoleClient is the part of spind's client `spin console` uses.
type ConsoleClient interface {
	Client
	Console(ctx context.Context, profile string, req api.ConsoleRequest) (api.ConsoleURL, error)
}

// Console is `spin console PROFILE`: spind's console sign-in URL, after
// the MFA code or sign-in the profile needs, opened in the browser or, with
// print, written to stdout. The URL signs in whoever has it: it goes
// nowhere else, never into an error.
func Console(ctx context.Context, c ConsoleClient, t Terminal, profile string, req api.ConsoleRequest, print bool, io IO) error {
	out, err := c.Console(ctx, profile, req)
	if code := codeOf(err); code == api.CodeMFARequired || code == api.CodeSigninRequired {
		// Ask for the MFA code (or sign in) here, then try again.
		if rerr := Ready(ctx, c, t, profile, "", true); rerr != nil {
			return rerr
		}
		out, err = c.Console(ctx, profile, req)
	}
	if err != nil {
		return err
	}
	if print {
		fmt.Fprintln(io.Stdout, out.URL.Reveal())
		return nil
	}
	if err := Opener(t.Getenv)(out.URL.Reveal()); err != nil {
		return errors.New("could not start a browser: set BROWSER, or run 'spin console " + profile + " --print'")
	}
	fmt.Fprintf(io.Stderr, "spin: console opened as %s\n", out.Identity)
	return nil
}

// codeOf is the code of spind's error answer in err, if any.
func codeOf(err error) string {
	if ae, ok := errors.AsType[*api.Error](err); ok {
		return ae.Code
	}
	return ""
}

// Checker readies profiles on a terminal (Ready): the preflight of the
// stack commands, where a prompt inside tofu would be swallowed.
type Checker struct {
	C Client
	T Terminal
}

// Check readies profile for role sessions named session.
func (r Checker) Check(ctx context.Context, profile, session string) error {
	return Ready(ctx, r.C, r.T, profile, session, false)
}
