package doctor

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/client"
	"github.com/cloudspin/spin/broker/launch"
	"github.com/cloudspin/spin/internal/awsnet"
	"github.com/cloudspin/spin/internal/version"
	"github.com/cloudspin/spin/profiles"
)

type fakeDaemon struct {
	sock   string
	st     api.Status
	err    error
	keys   []api.KeyInfo
	keyErr error
	verify map[string]error // by key set; nil: STS accepts it
}

func (f fakeDaemon) Socket() string                                  { return f.sock }
func (f fakeDaemon) Status(context.Context) (api.Status, error)      { return f.st, f.err }
func (f fakeDaemon) ListKeys(context.Context) ([]api.KeyInfo, error) { return f.keys, f.keyErr }
func (f fakeDaemon) VerifyKey(_ context.Context, name string) (api.KeyVerify, error) {
	if err := f.verify[name]; err != nil {
		return api.KeyVerify{}, err
	}
	return api.KeyVerify{Name: name, AccessKeyID: "AKIA…MPLE", ARN: "arn:aws:iam::123456789012:user/" + name}, nil
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestSpindAndKeyringChecks(t *testing.T) {
	ok := api.Status{Version: version.String(), Backend: "file"}
	for _, tc := range []struct {
		name string
		d    fakeDaemon
		want []string // lines of spind and keyring, keyring absent when spind is down
	}{
		{"not running", fakeDaemon{err: launch.ErrNoDaemon},
			[]string{"FAIL spind: not running on /s (fix: spin daemon start)"}},
		{"broken", fakeDaemon{err: errors.New("boom")},
			[]string{"FAIL spind: boom (fix: spin daemon stop; spin daemon start)"}},
		{"other version", fakeDaemon{st: api.Status{Version: "v9", Backend: "file"}, keys: []api.KeyInfo{{Name: "k"}}},
			[]string{"warn spind: running version v9, but spin is " + version.String() + " (fix: spin daemon stop; spin daemon start)", "ok   keyring: file reachable, 1 key set(s)"}},
		{"locked", fakeDaemon{st: api.Status{Version: version.String(), Backend: "file", Locked: true}},
			[]string{"ok   spind: running, version " + version.String(), "FAIL keyring: the file keyring is locked (fix: spin unlock)"}},
		{"no keys", fakeDaemon{st: ok},
			[]string{"ok   spind: running, version " + version.String(), "warn keyring: file reachable, no key sets stored (fix: spin keys add NAME)"}},
		{"keyring error", fakeDaemon{st: ok, keyErr: errors.New("dbus gone")},
			[]string{"ok   spind: running, version " + version.String(), "FAIL keyring: dbus gone (fix: set keyring.backend in spin's config.yaml)"}},
		{"broken config.yaml", fakeDaemon{st: ok, keyErr: &api.Error{Code: api.CodeConfigInvalid, Message: "c.yaml:3:4: bad", Hint: "fix c.yaml"}},
			[]string{"ok   spind: running, version " + version.String(), "FAIL keyring: c.yaml:3:4: bad (fix: fix c.yaml)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.d.sock = "/s"
			var got []string
			for _, c := range Run(t.Context(), offline(t, tc.d)) {
				if c.Name == "spind" || c.Name == "keyring" {
					got = append(got, c.String())
				}
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// offline is Deps with no files, no binaries and an STS that does not
// answer.
func offline(t *testing.T, d Daemon) Deps {
	home := t.TempDir()
	getenv := envOf(map[string]string{"HOME": home, "TMPDIR": home, "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:1"})
	return Deps{
		Daemon: d, Getenv: getenv,
		Setup:    func() (*profiles.Setup, error) { return nil, errors.New("no config") },
		LookPath: func(string) (string, error) { return "", errors.New("none") },
	}
}

func TestNoSocketIsTheOnlyCheck(t *testing.T) {
	got := Run(t.Context(), Deps{DaemonErr: errors.New("socket path too long")})
	if len(got) != 1 || got[0].String() != "FAIL socket: socket path too long (fix: set SPIN_SOCKET to a shorter path)" {
		t.Errorf("got %v", got)
	}
}

func TestPrintSaysWhetherAnyFailed(t *testing.T) {
	var b strings.Builder
	if Print(&b, []Check{{OK, "a", "fine", ""}, {Warn, "b", "meh", "do x"}}) {
		t.Error("failed with no FAIL")
	}
	if want := "ok   a: fine\nwarn b: meh (fix: do x)\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
	if !Print(&b, []Check{{Fail, "c", "bad", ""}}) {
		t.Error("not failed with a FAIL")
	}
}

func TestProfilesCheck(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "config.yaml"), "profiles:\n  assume-x:\n    source: user\n    role_arn: arn:aws:iam::123456789012:role/r\n")
	cfg, err := profiles.Load(filepath.Join(dir, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := &profiles.Setup{Config: cfg, Helper: profiles.Helper{Path: "/usr/bin/spin"}, AWSPath: filepath.Join(dir, "aws-config")}
	if got, want := lines(profilesCheck(s, nil)), "FAIL profiles: assume-x not written in "+s.AWSPath+" (fix: spin profiles write)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := lines(profilesCheck(nil, errors.New("config.yaml:3:1: bad"))); got != "FAIL config: config.yaml:3:1: bad (fix: fix the file)" {
		t.Errorf("got %q", got)
	}
	if got := profilesCheck(&profiles.Setup{Config: &profiles.Config{Path: "/c.yaml"}, AWSPath: s.AWSPath}, nil); len(got) != 1 || got[0].Status != Warn || got[0].Detail != "none defined in /c.yaml" {
		t.Errorf("no profiles: got %v", got)
	}
}

// Each kind of mismatch gets the command that fixes it: a profile
// config.yaml dropped needs --prune (plain write leaves it), one of the
// user's own that config.yaml now defines needs --force, a duplicate is
// removed by hand.
func TestProfilesCheckFixIsTheCommand(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "config.yaml"), "profiles:\n  assume-x:\n    source: user\n    role_arn: arn:aws:iam::123456789012:role/r\n  mine:\n    source: user\n    role_arn: arn:aws:iam::123456789012:role/r\n")
	cfg, err := profiles.Load(filepath.Join(dir, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := &profiles.Setup{Config: cfg, Helper: profiles.Helper{Path: "/usr/bin/spin"}, AWSPath: filepath.Join(dir, "aws-config")}
	want, err := cfg.AWSProfiles()
	if err != nil {
		t.Fatal(err)
	}
	managed := func(name string) string {
		p := want[0]
		p.Name = name
		block, err := s.Helper.Block(p)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(block, "\n") + "\n"
	}
	for _, tc := range []struct{ name, aws, want string }{
		{"stale", managed("assume-x") + managed("gone"),
			"FAIL profiles: gone stale, mine not written in " + s.AWSPath + " (fix: spin profiles write --prune)"},
		{"conflict", managed("assume-x") + "[profile mine]\nregion = eu-west-1\n",
			"FAIL profiles: mine conflict in " + s.AWSPath + " (fix: spin profiles write --force)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			write(t, s.AWSPath, tc.aws)
			if got := lines(profilesCheck(s, nil)); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// Each stored key set is checked with GetCallerIdentity through spind;
// STS refusing it fails with spind's fix, STS unreachable only warns, and
// a key set a profile names but the keyring lacks fails with 'spin keys
// add'. Offline, only the last is checked.
func TestKeySetChecks(t *testing.T) {
	cfg, err := profiles.Parse("/c.yaml", []byte("profiles:\n  a:\n    source: good\n    role_arn: arn:aws:iam::123456789012:role/r\n  b:\n    source: ghost\n    role_arn: arn:aws:iam::123456789012:role/r\n  c:\n    source: ghost\n    role_arn: arn:aws:iam::123456789012:role/r\n"))
	if err != nil {
		t.Fatal(err)
	}
	d := fakeDaemon{verify: map[string]error{
		"wrong": &client.Error{Status: 502, Body: api.Error{Code: api.CodeSTSFailed, Message: "STS refused the secret of AKIA…MPLE (SignatureDoesNotMatch): the key set holds a wrong secret access key", Hint: "spin keys add wrong --force, with the secret that belongs to AKIA…MPLE"}},
		"far":   &client.Error{Status: 502, Body: api.Error{Code: api.CodeAWSUnreachable, Message: "GetCallerIdentity with AKIA…MPLE: sts GetCallerIdentity at http://127.0.0.1:1: no answer in 15s", Hint: "check that http://127.0.0.1:1 is the endpoint you meant"}},
	}}
	keys := []api.KeyInfo{{Name: "good"}, {Name: "wrong"}, {Name: "far"}}
	got := keySetChecks(t.Context(), d, keys, &profiles.Setup{Config: cfg}, false)
	want := []string{
		"ok   key set good: AKIA…MPLE is arn:aws:iam::123456789012:user/good (STS GetCallerIdentity)",
		"FAIL key set wrong: STS refused the secret of AKIA…MPLE (SignatureDoesNotMatch): the key set holds a wrong secret access key (fix: spin keys add wrong --force, with the secret that belongs to AKIA…MPLE)",
		"warn key set far: GetCallerIdentity with AKIA…MPLE: sts GetCallerIdentity at http://127.0.0.1:1: no answer in 15s (fix: check that http://127.0.0.1:1 is the endpoint you meant)",
		"FAIL key set ghost: not in the keyring, but profile b, c names it (fix: spin keys add ghost)",
	}
	if g, w := lines(got), strings.Join(want, "\n"); g != w {
		t.Errorf("got\n%s\nwant\n%s", g, w)
	}
	if g, w := lines(keySetChecks(t.Context(), d, keys, &profiles.Setup{Config: cfg}, true)), want[3]; g != w {
		t.Errorf("offline: got\n%s\nwant\n%s", g, w)
	}
}

func lines(cs []Check) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.String())
	}
	return strings.Join(out, "\n")
}

func TestPlaintextAndStrayCopies(t *testing.T) {
	home := t.TempDir()
	getenv := envOf(map[string]string{"HOME": home, "TMPDIR": t.TempDir()})
	if got := plaintextCheck(getenv, nil); got.String() != "ok   plaintext keys: no "+home+"/.aws/credentials" {
		t.Errorf("no file: got %q", got)
	}
	write(t, filepath.Join(home, ".aws", "credentials"), "[default]\nregion = x\n[old]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
	got := plaintextCheck(getenv, nil)
	if got.Status != Fail || got.Fix != "spin keys import --from-credentials-file old --remove" || strings.Contains(got.String(), "wJalr") {
		t.Errorf("plaintext key: got %q", got)
	}
	if got := strayCopiesCheck(getenv); got != nil {
		t.Errorf("no copies: got %v", got)
	}
	bak := filepath.Join(home, ".aws", "config.spin.bak")
	write(t, bak, "[profile x]\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
	stray := strayCopiesCheck(getenv)
	if len(stray) != 1 || stray[0].String() != "FAIL stray copies: "+bak+" holds a plaintext secret key (fix: shred -u "+bak+")" {
		t.Errorf("a backup with a key: got %v", stray)
	}
}

// A spin profile that ~/.aws/credentials also defines with keys (aws
// configure --profile) is reported with the fix that keeps it spin's: the
// keys go to the profile's key set, never to a key set named after the
// profile; the plain-text check leaves that section to it.
func TestShadowedProfile(t *testing.T) {
	home := t.TempDir()
	getenv := envOf(map[string]string{"HOME": home})
	cfg, err := profiles.Parse("/c.yaml", []byte("sources:\n  corp:\n    sso:\n      start_url: https://d-1234567890.awsapps.com/start\n      region: us-east-1\nprofiles:\n  assume-x:\n    source: cloudspin_user\n    role_arn: arn:aws:iam::123456789012:role/r\n  sso-dev:\n    source: corp\n    sso_account_id: \"123456789012\"\n    sso_role_name: Dev\n"))
	if err != nil {
		t.Fatal(err)
	}
	creds := filepath.Join(home, ".aws", "credentials")
	write(t, creds, "[assume-x]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n[sso-dev]\naws_access_key_id = AKIAIOSFODNN7EXAMPL2\naws_secret_access_key = x\n[other]\naws_access_key_id = AKIAIOSFODNN7EXAMPL3\naws_secret_access_key = y\n")
	checks, names := shadowChecks(&profiles.Setup{Config: cfg}, getenv)
	want := []string{
		"FAIL shadowed profile: profile assume-x is shadowed: [assume-x] of " + creds + " (line 1) holds keys, and AWS tools use them instead of spin's credentials (fix: if they are key set cloudspin_user's keys, run 'spin keys import --from-credentials-file assume-x --name cloudspin_user --remove' (stores them as cloudspin_user and removes the section); otherwise delete [assume-x] from " + creds + ")",
		"FAIL shadowed profile: profile sso-dev is shadowed: [sso-dev] of " + creds + " (line 4) holds keys, and AWS tools use them instead of spin's credentials (fix: delete [sso-dev] from " + creds + " ('aws configure --profile sso-dev' writes it; spin's profiles take no keys there))",
	}
	if len(checks) != len(want) {
		t.Fatalf("got %v", checks)
	}
	for i := range want {
		if checks[i].String() != want[i] {
			t.Errorf("got  %s\nwant %s", checks[i], want[i])
		}
	}
	if got := plaintextCheck(getenv, names); got.Fix != "spin keys import --from-credentials-file other --remove" || strings.Contains(got.Detail, "assume-x") {
		t.Errorf("plaintext check: %q", got)
	}
}

func TestTofuCheckPrefersSPIN_TF_BINARY(t *testing.T) {
	var asked []string
	look := func(name string) (string, error) {
		asked = append(asked, name)
		if name == "terraform" {
			return "/usr/bin/terraform", nil
		}
		return "", errors.New("not found")
	}
	got := tofuCheck(envOf(map[string]string{"SPIN_TF_BINARY": "mytofu"}), look)
	if got.String() != "ok   tofu: found /usr/bin/terraform" || strings.Join(asked, ",") != "mytofu,tofu,terraform" {
		t.Errorf("got %q after asking for %v", got, asked)
	}
	if got := tofuCheck(envOf(nil), func(string) (string, error) { return "", errors.New("no") }); got.Status != Warn {
		t.Errorf("none: got %v", got)
	}
}

func TestClockCheckAgainstSTSDate(t *testing.T) {
	var offset time.Duration
	var noDate bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if noDate {
			w.Header()["Date"] = nil
		} else {
			w.Header().Set("Date", time.Now().Add(offset).UTC().Format(http.TimeFormat))
		}
		w.WriteHeader(http.StatusForbidden) // STS without a signature
	}))
	defer srv.Close()
	n := awsnet.Config{Endpoints: awsnet.Endpoints{awsnet.STS: srv.URL}}
	for _, tc := range []struct {
		offset time.Duration
		noDate bool
		want   Status
	}{{0, false, OK}, {3 * time.Minute, false, OK}, {-6 * time.Minute, false, Fail}, {0, true, Warn}} {
		offset, noDate = tc.offset, tc.noDate
		got := clockCheck(t.Context(), awsnet.NewHTTPClient, n)
		if got.Status != tc.want {
			t.Errorf("STS %v off (no Date: %v): got %v, want %s", tc.offset, tc.noDate, got, tc.want)
		}
	}
}

func TestSTSTargetIsRunningSpindsEndpoint(t *testing.T) {
	getenv := envOf(map[string]string{"AWS_ENDPOINT_URL_STS": "http://shell:1"})
	if got := stsTarget(getenv, nil, nil).Endpoint(awsnet.STS); got != "http://shell:1" {
		t.Errorf("no spind: got %q, want the shell's", got)
	}
	st := &api.Status{Endpoints: map[string]string{"sts": "http://spind:2"}}
	if got := stsTarget(getenv, nil, st).Endpoint(awsnet.STS); got != "http://spind:2" {
		t.Errorf("running spind: got %q, want spind's", got)
	}
}

// The AWS CLI and SDKs read static keys from ~/.aws/config too: doctor's
// "plaintext keys" said ok while [profile legacy] there held a secret key.
func TestPlaintextKeysInAWSConfig(t *testing.T) {
	home := t.TempDir()
	getenv := envOf(map[string]string{"HOME": home})
	if got := configKeysCheck(getenv); got != nil {
		t.Errorf("no config: got %v", got)
	}
	config := filepath.Join(home, ".aws", "config")
	write(t, config, "[profile assume-x]\ncredential_process = spin-credential-process assume-x\n[default]\nregion = eu-west-1\n")
	if got := configKeysCheck(getenv); got != nil {
		t.Errorf("no keys: got %v", got)
	}
	write(t, config, "[default]\nregion = eu-west-1\n[profile legacy]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
	got := configKeysCheck(getenv)
	want := "FAIL plaintext keys: " + config + " holds secret keys in [profile legacy] (fix: store them with 'spin keys add NAME', then delete the aws_access_key_id and aws_secret_access_key lines of [profile legacy] from " + config + ")"
	if len(got) != 1 || got[0].String() != want {
		t.Errorf("got %v\nwant %s", got, want)
	}
}
