package signinflow

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/api"
)

// fakeDaemon plays spind: it hands out an authorize URL whose "browser"
// (Open) redirects to the CLI's listener, and records what is relayed.
type fakeDaemon struct {
	redirect string
	complete chan api.SigninComplete
	waited   bool
}

func (d *fakeDaemon) StartSignin(_ context.Context, _ string, in api.SigninStart) (api.SigninFlow, error) {
	if in.Mode == api.SigninDevice {
		return api.SigninFlow{Mode: in.Mode, URL: "https://device.example/", URLComplete: "https://device.example/?user_code=ABCD-EFGH",
			UserCode: "ABCD-EFGH", Expires: time.Now().Add(time.Minute)}, nil
	}
	d.redirect = in.RedirectURI
	return api.SigninFlow{Mode: in.Mode, URL: "https://oidc.example/authorize?x=1", State: "good-state"}, nil
}

func (d *fakeDaemon) WaitSignin(context.Context, string) error { d.waited = true; return nil }

func (d *fakeDaemon) CompleteSignin(_ context.Context, _ string, in api.SigninComplete) error {
	d.complete <- in
	return nil
}

func TestBrowserRelaysCodeAndState(t *testing.T) {
	d := &fakeDaemon{complete: make(chan api.SigninComplete, 1)}
	var out bytes.Buffer
	opened := ""
	open := func(u string) error {
		opened = u
		go func() {
			// A forged state first: it must not end the sign-in.
			resp, err := http.Get(d.redirect + "?" + url.Values{"state": {"evil"}, "code": {"x"}}.Encode())
			if err == nil {
				resp.Body.Close()
			}
			resp, err = http.Get(d.redirect + "?" + url.Values{"state": {"good-state"}, "code": {"the-code"}}.Encode())
			if err == nil {
				resp.Body.Close()
			}
		}()
		return nil
	}
	err := Run(t.Context(), d, Options{Source: "corp", Out: &out, Open: open, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if got := <-d.complete; got.State != "good-state" || got.Code != "the-code" {
		t.Errorf("relayed %+v", got)
	}
	if !strings.HasPrefix(d.redirect, "http://127.0.0.1:") || !strings.HasSuffix(d.redirect, "/oauth/callback") {
		t.Errorf("redirect URI %q, want a loopback /oauth/callback", d.redirect)
	}
	if opened != "https://oidc.example/authorize?x=1" || !strings.Contains(out.String(), opened) {
		t.Errorf("opened %q; printed %q: the URL must be opened and printed", opened, out.String())
	}
}

func TestBrowserRefusedAndBrowserFailure(t *testing.T) {
	d := &fakeDaemon{complete: make(chan api.SigninComplete, 1)}
	var out bytes.Buffer
	open := func(string) error {
		go func() {
			resp, err := http.Get(d.redirect + "?" + url.Values{"state": {"good-state"}, "error": {"access_denied"}}.Encode())
			if err == nil {
				resp.Body.Close()
			}
		}()
		return errors.New("no display")
	}
	err := Run(t.Context(), d, Options{Source: "corp", Out: &out, Open: open, Timeout: 10 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "access_denied") {
		t.Errorf("refused sign-in: got %v", err)
	}
	if !strings.Contains(out.String(), "Could not open a browser (no display)") {
		t.Errorf("a browser failure must be said, with the URL still printed: %q", out.String())
	}
}

func TestDevicePrintsCodeAndWaits(t *testing.T) {
	d := &fakeDaemon{}
	var out bytes.Buffer
	if err := Run(t.Context(), d, Options{Source: "corp", NoBrowser: true, Out: &out}); err != nil {
		t.Fatal(err)
	}
	if !d.waited || !strings.Contains(out.String(), "https://device.example/?user_code=ABCD-EFGH") || !strings.Contains(out.String(), "ABCD-EFGH") {
		t.Errorf("waited %v, printed %q", d.waited, out.String())
	}
}

func TestBrowserArgv(t *testing.T) {
	for _, tc := range []struct {
		env, goos string
		want      []string
	}{
		{"/usr/bin/firefox", "linux", []string{"/usr/bin/firefox"}},
		{"w3m -o foo:lynx", "linux", []string{"w3m", "-o", "foo"}},
		{"", "darwin", []string{"open"}},
	} {
		if got := browserArgv(tc.env, tc.goos); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("browserArgv(%q, %s) = %q, want %q", tc.env, tc.goos, got, tc.want)
		}
	}
}
