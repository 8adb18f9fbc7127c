package statuscmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/audit"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/proc"
	"github.com/cloudspin/spin/profiles"
)

type daemon struct{ st api.Status }

func (d daemon) Status(context.Context) (api.Status, error) { return d.st, nil }

var st = api.Status{
	PID: 7, Backend: "file",
	KeyWarnings: []api.KeyWarning{{Name: "user", Message: "key set user's access key is 120 days old"}},
	Callers:     []audit.Record{{Profile: "assume-x", Outcome: "OK", Caller: proc.Process{PID: 9, Exe: "/usr/bin/aws"}}},
}

// A profile the credentials file shadows, and a key set due for rotation,
// are warned about on stderr, before spind's status on stdout.
func TestRunWarnsAboutShadowsAndOldKeys(t *testing.T) {
	dir := t.TempDir()
	confPath, credPath := filepath.Join(dir, "config.yaml"), filepath.Join(dir, "credentials")
	conf := "profiles:\n  assume-x:\n    source: user\n    role_arn: arn:aws:iam::123456789012:role/r\n"
	creds := "[assume-x]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
	for p, s := range map[string]string{confPath: conf, credPath: creds} {
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := profiles.Load(confPath)
	if err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string { return map[string]string{"AWS_SHARED_CREDENTIALS_FILE": credPath}[k] }
	var out, errOut bytes.Buffer
	if err := Run(t.Context(), daemon{st}, cfg, getenv, Options{}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"spin: warning: profile assume-x is shadowed: [assume-x] of " + credPath + " (line 1) holds keys",
		"spin: warning: key set user's access key is 120 days old\nspin: hint: run 'spin keys rotate user'\n",
	} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
	if strings.Contains(out.String(), "AKIA") || strings.Contains(errOut.String(), "wJalr") {
		t.Errorf("a key was printed:\n%s%s", out.String(), errOut.String())
	}

	// No config: spind's status all the same.
	out.Reset()
	errOut.Reset()
	if err := Run(t.Context(), daemon{st}, nil, getenv, Options{}, &out, &errOut); err != nil || strings.Contains(errOut.String(), "shadowed") {
		t.Errorf("without a config: err %v, stderr %q", err, errOut.String())
	}
}

func TestRunJSONAndCallers(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := Run(t.Context(), daemon{st}, nil, os.Getenv, Options{JSON: true, Callers: true}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	var got api.Status
	if err := json.Unmarshal(out.Bytes(), &got); err != nil || got.PID != 7 || len(got.Callers) != 1 {
		t.Errorf("JSON %q: %+v, %v", out.String(), got, err)
	}
	if errOut.Len() != 0 {
		t.Errorf("JSON output with warnings on stderr: %q", errOut.String())
	}
	out.Reset()
	if err := Run(t.Context(), daemon{st}, nil, os.Getenv, Options{Callers: true}, &out, &errOut); err != nil || !strings.Contains(out.String(), "/usr/bin/aws") {
		t.Errorf("callers: err %v, stdout %q", err, out.String())
	}
}

// A config.yaml spind cannot use: the status still shows what spind
// holds, then each problem is its own `spin:` line (file:line:col) with
// spind's fix, and the command fails, in every output form.
func TestRunFailsOnBrokenConfig(t *testing.T) {
	broken := st
	broken.KeyWarnings = nil
	broken.ConfigPath = "/h/config.yaml"
	broken.ConfigError = "/h/config.yaml:2:3: unknown key \"regoin\" in defaults (known: region; did you mean \"region\"?)\n/h/config.yaml:6:5: duration \"1x\" is not a duration"
	broken.ConfigHint = "fix the file; spind re-reads it on the next request"
	for _, o := range []Options{{}, {JSON: true}, {Callers: true}} {
		var out, errOut bytes.Buffer
		err := Run(t.Context(), daemon{broken}, nil, os.Getenv, o, &out, &errOut)
		if err == nil || out.Len() == 0 {
			t.Errorf("%+v: err %v, stdout %q: want the status and an error", o, err, out.String())
			continue
		}
		var printed bytes.Buffer
		hint.Print(&printed, err)
		want := `spin: /h/config.yaml:2:3: unknown key "regoin" in defaults (known: region; did you mean "region"?)
spin: /h/config.yaml:6:5: duration "1x" is not a duration
spin: hint: fix the file; spind re-reads it on the next request
`
		if printed.String() != want {
			t.Errorf("%+v: printed\n%s\nwant\n%s", o, printed.String(), want)
		}
	}
	if err := Run(t.Context(), daemon{st}, nil, os.Getenv, Options{JSON: true}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Errorf("a config that loads: %v", err)
	}
}
