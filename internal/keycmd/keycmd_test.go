package keycmd

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/internal/ttyprompt"
)

// store is spind as the key commands see it; it records what they did.
type store struct {
	notReady error
	calls    []string
	put      api.KeyRequest
	export   api.ExportRequest
	keys     []api.KeyInfo
	unknown  error // spind's answer for a key set it does not hold
}

func (s *store) KeyringReady(context.Context) error {
	s.calls = append(s.calls, "ready")
	return s.notReady
}
func (s *store) PutKey(_ context.Context, name string, k api.KeyRequest) error {
	s.calls, s.put = append(s.calls, "put "+name), k
	return nil
}
func (s *store) SetExport(_ context.Context, name string, r api.ExportRequest) error {
	s.calls, s.export = append(s.calls, "export "+name), r
	return nil
}
func (s *store) Key(_ context.Context, name string) (api.KeyInfo, error) {
	s.calls = append(s.calls, "key "+name)
	return api.KeyInfo{Name: name, AccessKeyID: "AKIA…OLD1"}, s.unknown
}
func (s *store) ListKeys(context.Context) ([]api.KeyInfo, error) { return s.keys, nil }
func (s *store) RemoveKey(_ context.Context, name string) error {
	s.calls = append(s.calls, "remove "+name)
	return nil
}
func (s *store) RotateKey(_ context.Context, name string, r api.RotateRequest) (api.RotateResult, error) {
	return api.RotateResult{Name: name, NewKeyID: "AKIA…NEW1", OldKeyID: "AKIA…OLD1", OldKey: map[bool]string{true: "inactive", false: "deleted"}[r.KeepOld]}, nil
}
func (s *store) Status(context.Context) (api.Status, error) { return api.Status{Backend: "file"}, nil }

// tty answers prompts in turn (nil answers: no terminal) and records them.
type tty struct {
	answers []string
	asked   []string
}

func (t *tty) Line(_ context.Context, prompt string) (string, error) {
	t.asked = append(t.asked, prompt)
	if t.answers == nil {
		return "", ttyprompt.ErrNoTerminal
	}
	a := t.answers[0]
	t.answers = t.answers[1:]
	return a, nil
}
func (t *tty) Hidden(ctx context.Context, prompt string) (secret.String, error) {
	s, err := t.Line(ctx, prompt)
	return secret.New(s), err
}

func newIO(stdin string, t *tty) (IO, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return IO{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut, TTY: t}, &out, &errOut
}

func TestAddTyped(t *testing.T) {
	s, term := &store{}, &tty{answers: []string{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG"}}
	io, out, _ := newIO("", term)
	err := Add(t.Context(), s, "user", AddOptions{MFASerial: "arn:aws:iam::123456789012:mfa/u", AllowExport: true}, io)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.calls, ","); got != "ready,put user" {
		t.Errorf("calls %s: the keyring must be ready before the prompts", got)
	}
	if len(term.asked) != 2 || term.asked[1] != "AWS secret access key: " {
		t.Errorf("prompts %q", term.asked)
	}
	if s.put.AccessKeyID != "AKIAIOSFODNN7EXAMPLE" || s.put.SecretAccessKey.Reveal() != "wJalrXUtnFEMI/K7MDENG" || !s.put.AllowExport || s.put.MFASerial == "" {
		t.Errorf("stored %+v", s.put)
	}
	if want := "stored key set user (AKIA…MPLE) in the file keyring\n"; out.String() != want {
		t.Errorf("stdout %q, want %q", out, want)
	}
}

// Nobody types a secret into a keyring that cannot take it.
func TestAddKeyringNotReadyAsksNothing(t *testing.T) {
	s, term := &store{notReady: hint.New("spind's file keyring is locked", "run 'spin unlock'")}, &tty{answers: []string{"x", "y"}}
	io, _, _ := newIO("", term)
	if err := Add(t.Context(), s, "user", AddOptions{}, io); err == nil || hint.Of(err) != "run 'spin unlock'" {
		t.Fatalf("got %v", err)
	}
	if len(term.asked) != 0 {
		t.Errorf("asked %q before the keyring was ready", term.asked)
	}
}

func TestAddStdin(t *testing.T) {
	t.Run("bad input is refused before spind is asked", func(t *testing.T) {
		s := &store{}
		io, _, _ := newIO("ASIAIOSFODNN7EXAMPLE\nsecret\n", &tty{})
		err := Add(t.Context(), s, "user", AddOptions{Stdin: true}, io)
		if err == nil || !strings.HasPrefix(err.Error(), "keys add user: ") || !strings.Contains(err.Error(), "temporary (ASIA)") {
			t.Errorf("got %v", err)
		}
		if len(s.calls) != 0 {
			t.Errorf("spind was asked: %q", s.calls)
		}
	})
	t.Run("create-access-key JSON", func(t *testing.T) {
		s := &store{}
		io, out, _ := newIO(`{"AccessKey":{"AccessKeyId":"AKIAIOSFODNN7EXAMPLE","SecretAccessKey":"sec"}}`, &tty{})
		if err := Add(t.Context(), s, "user", AddOptions{Stdin: true, Force: true}, io); err != nil {
			t.Fatal(err)
		}
		if s.put.SecretAccessKey.Reveal() != "sec" || !s.put.Force || !strings.Contains(out.String(), "stored key set user") {
			t.Errorf("stored %+v, stdout %q", s.put, out)
		}
	})
	t.Run("no terminal says to pipe", func(t *testing.T) {
		io, _, _ := newIO("", &tty{})
		err := Add(t.Context(), &store{}, "user", AddOptions{}, io)
		if !errors.Is(err, ttyprompt.ErrNoTerminal) || hint.Of(err) != "pipe the keys in with --stdin" {
			t.Errorf("got %v (hint %q)", err, hint.Of(err))
		}
	})
}

func TestAllowExport(t *testing.T) {
	t.Run("grant with the secret typed", func(t *testing.T) {
		s, term := &store{}, &tty{answers: []string{"the-secret"}}
		io, out, _ := newIO("", term)
		if err := AllowExport(t.Context(), s, "boot", false, false, io); err != nil {
			t.Fatal(err)
		}
		if !s.export.Allow || s.export.SecretAccessKey.Reveal() != "the-secret" || term.asked[0] != "secret access key of key set boot: " {
			t.Errorf("export %+v, asked %q", s.export, term.asked)
		}
		if !strings.Contains(out.String(), "revoke with: spin keys allow-export boot --revoke") {
			t.Errorf("stdout %q", out)
		}
	})
	t.Run("grant from stdin", func(t *testing.T) {
		s := &store{}
		io, _, _ := newIO("\n  piped-secret \n", &tty{})
		if err := AllowExport(t.Context(), s, "boot", false, true, io); err != nil || s.export.SecretAccessKey.Reveal() != "piped-secret" {
			t.Errorf("err %v, export %+v", err, s.export)
		}
	})
	t.Run("no terminal: no secret sent", func(t *testing.T) {
		s := &store{}
		io, _, _ := newIO("", &tty{})
		err := AllowExport(t.Context(), s, "boot", false, false, io)
		if err == nil || !strings.HasPrefix(err.Error(), "keys allow-export boot: ") || hint.Of(err) != "pipe the secret in with --stdin" || strings.Join(s.calls, ",") != "key boot" {
			t.Errorf("err %v (hint %q), calls %q", err, hint.Of(err), s.calls)
		}
	})
	t.Run("unknown key set: spind's error, nothing asked or read", func(t *testing.T) {
		unknown := &api.Error{Code: api.CodeNotFound, Message: "no key set bot in the file keyring (did you mean boot?)"}
		for _, stdin := range []bool{false, true} {
			s, term := &store{unknown: unknown}, &tty{answers: []string{"the-secret"}}
			io, _, _ := newIO("piped-secret\n", term)
			err := AllowExport(t.Context(), s, "bot", false, stdin, io)
			if !errors.Is(err, unknown) || len(term.asked) != 0 || strings.Join(s.calls, ",") != "key bot" {
				t.Errorf("stdin %v: err %v, asked %q, calls %q", stdin, err, term.asked, s.calls)
			}
		}
	})
	t.Run("revoke asks for nothing", func(t *testing.T) {
		s, term := &store{}, &tty{}
		io, out, _ := newIO("", term)
		if err := AllowExport(t.Context(), s, "boot", true, false, io); err != nil || s.export.Allow || len(term.asked) != 0 || strings.Join(s.calls, ",") != "export boot" {
			t.Errorf("err %v, export %+v, asked %q", err, s.export, term.asked)
		}
		if out.String() != "key set boot: long-term keys are no longer handed out\n" {
			t.Errorf("stdout %q", out)
		}
	})
}

func TestRemove(t *testing.T) {
	for _, tt := range []struct {
		name    string
		yes     bool
		answers []string
		removed bool
		stderr  string
		hint    string
	}{
		{"yes asks nothing", true, nil, true, "", ""},
		{"confirmed", false, []string{"Y"}, true, "", ""},
		{"declined", false, []string{""}, false, "spin: key set old kept\n", ""},
		{"no terminal", false, nil, false, "", "add --yes to remove it without asking"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, term := &store{}, &tty{answers: tt.answers}
			io, out, errOut := newIO("", term)
			err := Remove(t.Context(), s, "old", tt.yes, io)
			if hint.Of(err) != tt.hint || (tt.hint == "") != (err == nil) {
				t.Errorf("err %v (hint %q), want hint %q", err, hint.Of(err), tt.hint)
			}
			if got := slices.Contains(s.calls, "remove old"); got != tt.removed {
				t.Errorf("removed %v, want %v", got, tt.removed)
			}
			if len(term.asked) > 0 && !strings.HasPrefix(term.asked[0], "remove key set old (AKIA…OLD1) from the keyring?") {
				t.Errorf("asked %q, want the key set and its masked key id", term.asked[0])
			}
			if tt.removed && out.String() != "removed key set old\n" {
				t.Errorf("stdout %q", out)
			}
			if errOut.String() != tt.stderr {
				t.Errorf("stderr %q, want %q", errOut, tt.stderr)
			}
			if tt.yes && len(term.asked) != 0 {
				t.Errorf("--yes asked %q", term.asked)
			}
		})
	}
}

// A key set spind does not hold fails with spind's error (the name
// meant) before the question.
func TestRemoveUnknownAsksNothing(t *testing.T) {
	unknown := &api.Error{Code: api.CodeNotFound, Message: "no key set olf in the file keyring (did you mean old?)"}
	s, term := &store{unknown: unknown}, &tty{answers: []string{"y"}}
	io, _, _ := newIO("", term)
	if err := Remove(t.Context(), s, "olf", false, io); !errors.Is(err, unknown) || len(term.asked) != 0 || strings.Join(s.calls, ",") != "key olf" {
		t.Errorf("err %v, asked %q, calls %q", err, term.asked, s.calls)
	}
}

func TestListAndWarnings(t *testing.T) {
	io, out, errOut := newIO("", &tty{})
	if err := List(t.Context(), &store{}, io, false); err != nil || out.Len() != 0 || !strings.Contains(errOut.String(), "spin: hint: run 'spin keys add NAME'") {
		t.Errorf("empty: err %v, stdout %q, stderr %q", err, out, errOut)
	}
	io, out, errOut = newIO("", &tty{})
	s := &store{keys: []api.KeyInfo{{Name: "a", AccessKeyID: "AKIA…AAAA"}, {Name: "b", AccessKeyID: "AKIA…BBBB", RotationPending: true}}}
	if err := List(t.Context(), s, io, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "AKIA…BBBB") {
		t.Errorf("stdout %q", out)
	}
	if want := "spin: warning: a rotation of key set b stopped halfway\nspin: hint: run 'spin keys rotate b'\n"; errOut.String() != want {
		t.Errorf("stderr %q, want %q", errOut, want)
	}
}

func TestRotate(t *testing.T) {
	var out bytes.Buffer
	if err := Rotate(t.Context(), &store{}, "u", api.RotateRequest{KeepOld: true}, &out); err != nil {
		t.Fatal(err)
	}
	if want := "key set u: access key AKIA…NEW1 is current; the old key AKIA…OLD1 is inactive\n"; out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
}
