package signinflow

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/secret"
)

// loginDaemon is a remote sign-in that then reports who signed in.
type loginDaemon struct {
	remoteDaemon
	importDaemon
	statusDaemon
}

func TestLoginRemoteSaysWhoSignedIn(t *testing.T) {
	d := &loginDaemon{statusDaemon: statusDaemon{api.Status{Sources: []api.SourceStatus{{Name: "me", Principal: "arn:aws:iam::123456789012:user/alice"}}}}}
	var out, errOut strings.Builder
	err := Login(t.Context(), d, noTerminal(nil), "me", LoginOptions{Remote: true}, IO{Stdin: strings.NewReader("the-code\n"), Stdout: &out, Stderr: &errOut})
	if err != nil {
		t.Fatal(err)
	}
	if d.pasted != "the-code" {
		t.Errorf("spind got %q", d.pasted)
	}
	if want := "signed in to source me as arn:aws:iam::123456789012:user/alice\n"; out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
	if !strings.Contains(errOut.String(), "https://signin.example/authorize?x=1") {
		t.Errorf("the URL went elsewhere than stderr: %q", errOut.String())
	}
}

func TestLoginFailedSaysNothingOnStdout(t *testing.T) {
	d := &loginDaemon{remoteDaemon: remoteDaemon{err: errors.New("the code was refused")}}
	var out strings.Builder
	err := Login(t.Context(), d, noTerminal(nil), "me", LoginOptions{Remote: true}, IO{Stdin: strings.NewReader("bad\n"), Stdout: &out, Stderr: &strings.Builder{}})
	if err == nil || out.Len() != 0 {
		t.Errorf("err %v, stdout %q", err, out.String())
	}
}

type mfaDaemon struct {
	profile, code string
	checked       string
	unknown       error // spind's answer to the check
}

func (d *mfaDaemon) MFACheck(_ context.Context, profile string) error {
	d.checked = profile
	return d.unknown
}

func (d *mfaDaemon) MFA(_ context.Context, profile, code string) error {
	d.profile, d.code = profile, code
	return nil
}

func TestMFA(t *testing.T) {
	t.Run("stdin", func(t *testing.T) {
		d := &mfaDaemon{}
		var out strings.Builder
		if err := MFA(t.Context(), d, noTerminal(nil), "p", true, IO{Stdin: strings.NewReader(" 123456 \n654321\n"), Stdout: &out}); err != nil {
			t.Fatal(err)
		}
		if d.code != "123456" || d.profile != "p" || d.checked != "p" || out.String() != "MFA session ready for profile p\n" {
			t.Errorf("spind got %q for %q; stdout %q", d.code, d.profile, out.String())
		}
	})
	t.Run("empty stdin", func(t *testing.T) {
		d := &mfaDaemon{}
		err := MFA(t.Context(), d, noTerminal(nil), "p", true, IO{Stdin: strings.NewReader("")})
		if err == nil || !strings.HasPrefix(err.Error(), "read the MFA code from stdin") || d.profile != "" {
			t.Errorf("err %v, spind asked for %q", err, d.profile)
		}
	})
	t.Run("asked on the terminal", func(t *testing.T) {
		d := &mfaDaemon{}
		term, asked := terminal([]string{"111222"}, nil)
		if err := MFA(t.Context(), d, term, "p", false, IO{Stdout: &strings.Builder{}}); err != nil || d.code != "111222" || len(*asked) != 1 {
			t.Errorf("err %v, code %q, prompts %q", err, d.code, *asked)
		}
	})
	t.Run("unknown profile: spind's error, nothing asked or read", func(t *testing.T) {
		unknown := &api.Error{Code: api.CodeUnknownProfile, Message: `unknown profile "pp" in config.yaml (known: p; did you mean "p"?)`}
		for _, stdin := range []bool{false, true} {
			d := &mfaDaemon{unknown: unknown}
			term, asked := terminal([]string{"111222"}, nil)
			in := strings.NewReader("123456\n")
			err := MFA(t.Context(), d, term, "pp", stdin, IO{Stdin: in, Stdout: &strings.Builder{}})
			if !errors.Is(err, unknown) || len(*asked) != 0 || in.Len() == 0 || d.profile != "" {
				t.Errorf("stdin %v: err %v, prompts %q, stdin read %v, code sent for %q", stdin, err, *asked, in.Len() == 0, d.profile)
			}
		}
	})
	t.Run("no terminal", func(t *testing.T) {
		d := &mfaDaemon{}
		err := MFA(t.Context(), d, noTerminal(nil), "p", false, IO{})
		if !errors.Is(err, ErrNoTerminal) || !strings.Contains(hint.Of(err), "spin mfa p --stdin") || d.profile != "" {
			t.Errorf("err %v (hint %q)", err, hint.Of(err))
		}
	})
}

// consoleDaemon needs an MFA code before the first URL.
type consoleDaemon struct {
	readyDaemon
	urls int
}

func (d *consoleDaemon) Console(context.Context, string, api.ConsoleRequest) (api.ConsoleURL, error) {
	if d.mfa == "" {
		return api.ConsoleURL{}, &api.Error{Code: api.CodeMFARequired, Message: "profile p needs an MFA code"}
	}
	d.urls++
	return api.ConsoleURL{URL: secret.New("https://signin.aws.amazon.com/federation?SigninToken=bearer"), Identity: "arn:aws:sts::123456789012:assumed-role/r/s"}, nil
}

func TestConsoleAsksForMFAThenPrints(t *testing.T) {
	d := &consoleDaemon{readyDaemon: readyDaemon{errs: []error{&api.Error{Code: api.CodeMFARequired}}}}
	term, asked := terminal([]string{"123456"}, nil)
	var out strings.Builder
	if err := Console(t.Context(), d, term, "p", api.ConsoleRequest{}, true, IO{Stdout: &out}); err != nil {
		t.Fatal(err)
	}
	if d.mfa != "123456" || d.urls != 1 || len(*asked) != 1 {
		t.Errorf("mfa %q, urls %d, prompts %q", d.mfa, d.urls, *asked)
	}
	if out.String() != "https://signin.aws.amazon.com/federation?SigninToken=bearer\n" {
		t.Errorf("stdout %q", out.String())
	}
}

func TestConsoleOpensTheBrowserAndKeepsTheURLOutOfErrors(t *testing.T) {
	dir := t.TempDir()
	got := filepath.Join(dir, "url")
	browser := filepath.Join(dir, "browser")
	if err := os.WriteFile(browser, []byte("#!/bin/sh\nprintf '%s' \"$1\" > "+got+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	d := &consoleDaemon{readyDaemon: readyDaemon{mfa: "done"}}
	var out, errOut strings.Builder
	err := Console(t.Context(), d, noTerminal(map[string]string{"BROWSER": browser}), "p", api.ConsoleRequest{}, false, IO{Stdout: &out, Stderr: &errOut})
	if err != nil {
		t.Fatal(err)
	}
	var b []byte
	for range 100 { // the browser runs on its own
		if b, _ = os.ReadFile(got); len(b) > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(string(b), "SigninToken=bearer") {
		t.Errorf("the browser got %q", b)
	}
	if out.Len() != 0 || errOut.String() != "spin: console opened as arn:aws:sts::123456789012:assumed-role/r/s\n" {
		t.Errorf("stdout %q, stderr %q", out.String(), errOut.String())
	}

	err = Console(t.Context(), d, noTerminal(map[string]string{"BROWSER": filepath.Join(dir, "missing")}), "p", api.ConsoleRequest{}, false, IO{Stdout: &out, Stderr: &errOut})
	if err == nil || strings.Contains(err.Error(), "SigninToken") || !strings.Contains(err.Error(), "spin console p --print") {
		t.Errorf("no browser: %v", err)
	}
}

func TestCheckerReadiesForRoleSessions(t *testing.T) {
	d := &readyDaemon{errs: []error{&api.Error{Code: api.CodeMFARequired}}}
	term, _ := terminal([]string{"123456"}, nil)
	if err := (Checker{d, term}).Check(t.Context(), "p", "s"); err != nil || d.session || d.mfa != "123456" {
		t.Errorf("err %v, session-only %v, mfa %q", err, d.session, d.mfa)
	}
}

type signouter struct{ out []string }

func (s *signouter) Signout(_ context.Context, source string) error {
	if source == "unknown" {
		return errors.New("no source unknown in config.yaml")
	}
	s.out = append(s.out, source)
	return nil
}

func TestLogout(t *testing.T) {
	s := &signouter{}
	var out strings.Builder
	if err := Logout(t.Context(), s, "corp", &out); err != nil || len(s.out) != 1 || out.String() != "signed out of source corp\n" {
		t.Errorf("err %v, signed out %q, stdout %q", err, s.out, out.String())
	}
	out.Reset()
	if err := Logout(t.Context(), s, "unknown", &out); err == nil || out.Len() != 0 {
		t.Errorf("unknown source: err %v, stdout %q", err, out.String())
	}
}
