package signinflow

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/profiles"
)

// remoteDaemon plays spind for a remote sign-in and records the paste.
type remoteDaemon struct {
	pasted string
	err    error
}

func (d *remoteDaemon) StartSignin(_ context.Context, _ string, in api.SigninStart) (api.SigninFlow, error) {
	if in.Mode != api.SigninRemote {
		return api.SigninFlow{}, errors.New("not a remote sign-in")
	}
	return api.SigninFlow{Mode: in.Mode, URL: "https://signin.example/authorize?x=1"}, nil
}
func (d *remoteDaemon) WaitSignin(context.Context, string) error { return nil }
func (d *remoteDaemon) CompleteSignin(_ context.Context, _ string, in api.SigninComplete) error {
	d.pasted = in.Pasted
	return d.err
}

func TestRemoteRelaysThePaste(t *testing.T) {
	d := &remoteDaemon{}
	var out strings.Builder
	if err := Remote(t.Context(), d, "me", strings.NewReader("  the-code \n"), &out); err != nil {
		t.Fatal(err)
	}
	if d.pasted != "the-code" {
		t.Errorf("spind got %q, want the trimmed paste", d.pasted)
	}
	if !strings.Contains(out.String(), "https://signin.example/authorize?x=1") {
		t.Errorf("the URL was not shown: %q", out.String())
	}
}

func TestRemoteWithoutPasteNamesTheRetry(t *testing.T) {
	d := &remoteDaemon{}
	err := Remote(t.Context(), d, "me", strings.NewReader(""), &strings.Builder{})
	if err == nil || d.pasted != "" {
		t.Fatalf("got %v, pasted %q", err, d.pasted)
	}
	if got, want := hint.Of(err), "run 'spin login me --remote' again and paste the code"; got != want {
		t.Errorf("hint %q, want %q", got, want)
	}
}

type statusDaemon struct{ st api.Status }

func (d statusDaemon) Status(context.Context) (api.Status, error) { return d.st, nil }

func TestSignedInAs(t *testing.T) {
	d := statusDaemon{api.Status{Sources: []api.SourceStatus{{Name: "corp"}, {Name: "me", Principal: "arn:aws:iam::123456789012:user/alice"}}}}
	if got := SignedInAs(t.Context(), d, "me"); got != " as arn:aws:iam::123456789012:user/alice" {
		t.Errorf("login source: got %q", got)
	}
	if got := SignedInAs(t.Context(), d, "corp"); got != "" {
		t.Errorf("no principal: got %q", got)
	}
}

type importDaemon struct {
	got api.SigninImport
	err error
}

func (d *importDaemon) ImportSignin(_ context.Context, _ string, in api.SigninImport) (api.SigninImported, error) {
	d.got = in
	return api.SigninImported{Principal: "arn:aws:iam::123456789012:user/alice"}, d.err
}

func TestImportAWSCLIMovesTheCacheFile(t *testing.T) {
	home := t.TempDir()
	getenv := func(k string) string { return map[string]string{"HOME": home}[k] }
	conf := filepath.Join(home, ".aws", "config")
	if err := os.MkdirAll(filepath.Dir(conf), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, []byte("[profile a]\nlogin_session = arn:aws:iam::123456789012:user/alice\n[profile b]\nlogin_session = arn:aws:iam::123456789012:user/alice\n[profile plain]\nregion = x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cache, err := profiles.LoginCachePath(getenv, "arn:aws:iam::123456789012:user/alice")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(cache), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cache, []byte(`{"refreshToken":"r"}`), 0o600); err != nil {
		t.Fatal(err)
	}

	// A failed import keeps the file.
	d := &importDaemon{err: errors.New("refresh refused")}
	if err := ImportAWSCLI(t.Context(), d, getenv, "me", "a", &strings.Builder{}, &strings.Builder{}); err == nil {
		t.Fatal("no error from a refused import")
	}
	if _, err := os.Stat(cache); err != nil {
		t.Fatalf("the cache is gone after a failed import: %v", err)
	}

	d.err = nil
	var out, warn strings.Builder
	if err := ImportAWSCLI(t.Context(), d, getenv, "me", "a", &out, &warn); err != nil {
		t.Fatal(err)
	}
	if d.got.Cache != `{"refreshToken":"r"}` || d.got.Session != "arn:aws:iam::123456789012:user/alice" {
		t.Errorf("spind got %+v", d.got)
	}
	if _, err := os.Stat(cache); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the cache file is still there: %v", err)
	}
	if !strings.Contains(out.String(), "as source me; deleted "+cache) {
		t.Errorf("out: %q", out.String())
	}
	if !strings.Contains(warn.String(), "spin: note: a, b in "+conf+" still use login_session") {
		t.Errorf("warn: %q", warn.String())
	}

	err = ImportAWSCLI(t.Context(), d, getenv, "me", "plain", &out, &warn)
	if err == nil || hint.Of(err) != "name the profile 'aws login' wrote, or run 'spin login me'" {
		t.Errorf("a profile without login_session: got %v (hint %q)", err, hint.Of(err))
	}
}
