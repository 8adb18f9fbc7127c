package listing

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/launch"
	"github.com/cloudspin/spin/profiles"
)

const config = `defaults:
  region: eu-west-1
sources:
  corp:
    sso:
      start_url: https://d-1234567890.awsapps.com/start
      region: us-east-1
  unused:
    login: {}
profiles:
  assume-app:
    source: cloudspin_user
    role_arn: arn:aws:iam::123456789012:role/app
  bootstrap:
    source: bootstrap_admin
  sso-dev:
    source: corp
    sso_account_id: "123456789012"
    sso_role_name: Developer
`

type fakeDaemon struct {
	st      api.Status
	keys    []api.KeyInfo
	err     error
	keysErr error
	asked   []string
}

func (f *fakeDaemon) Status(context.Context) (api.Status, error) {
	f.asked = append(f.asked, "status")
	return f.st, f.err
}

func (f *fakeDaemon) ListKeys(context.Context) ([]api.KeyInfo, error) {
	f.asked = append(f.asked, "keys")
	return f.keys, f.keysErr
}

func parse(t *testing.T) *profiles.Config {
	t.Helper()
	c, err := profiles.Parse("config.yaml", []byte(config))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// With spind running: every profile with its source's state, role, state
// in ~/.aws/config and sessions; the key set no profile uses and the
// unused source follow.
func TestListRunning(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	d := &fakeDaemon{
		st: api.Status{
			Sessions: []api.SessionStatus{
				{Profile: "assume-app", SessionName: "spin-alice", RoleARN: "arn:aws:iam::123456789012:role/app", Expiration: now.Add(42 * time.Minute), STSCalls: 1},
				{Profile: "assume-app", SessionName: "stack-x", RoleARN: "arn:aws:iam::123456789012:role/app", Expiration: now.Add(3 * time.Minute), STSCalls: 2},
			},
			Sources: []api.SourceStatus{{Name: "corp", Kind: "sso", SignedIn: false}, {Name: "unused", Kind: "login"}},
		},
		keys: []api.KeyInfo{{Name: "old_user", AccessKeyID: "AKIA…OLD1"}, {Name: "cloudspin_user", AccessKeyID: "AKIA…MPLE"}},
	}
	in := Input{Config: parse(t), AWSStates: []profiles.ProfileState{
		{Name: "assume-app", Managed: true, State: "up to date", Line: 3},
		{Name: "bootstrap", State: "not written"},
		{Name: "mine", Line: 9}, // the user's own: not spin's to list here
	}}
	Ask(t.Context(), d, &in)
	l := Build(in)

	var out bytes.Buffer
	if err := l.WriteText(&out, now); err != nil {
		t.Fatal(err)
	}
	want := `PROFILE     SOURCE                                     ROLE                                AWS CONFIG   SESSIONS
assume-app  cloudspin_user (key set)                   arn:aws:iam::123456789012:role/app  up to date   2 held, the first expires in 3m0s
bootstrap   bootstrap_admin (key set, not in the keyring)  -                                   not written  none
sso-dev     corp (sso, not signed in)                  123456789012/Developer              -            none
-           unused (login, not signed in)              -                                   -            -
-           old_user (key set)                         -                                   -            -
`
	if d := cmp.Diff(squeeze(want), squeeze(out.String())); d != "" {
		t.Errorf("table (-want +got):\n%s\ngot:\n%s", d, out.String())
	}

	out.Reset()
	if err := l.WriteJSON(&out); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Spind    map[string]any   `json:"spind"`
		Profiles []map[string]any `json:"profiles"`
		Sources  []map[string]any `json:"sources"`
		KeySets  []map[string]any `json:"key_sets"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	field := func(m map[string]any, k string) string { return fmt.Sprint(m[k]) }
	checks := []struct{ got, want string }{
		{field(got.Spind, "running"), "true"},
		{field(got.Profiles[0], "name"), "assume-app"},
		{field(got.Profiles[0], "source_kind"), "key_set"},
		{field(got.Profiles[0], "source_state"), "stored"},
		{field(got.Profiles[0], "aws_config"), "up to date"},
		{field(got.Profiles[0], "region"), "eu-west-1"},
		{fmt.Sprint(len(got.Profiles[0]["sessions"].([]any))), "2"},
		{field(got.Profiles[1], "source_state"), "missing"},
		{fmt.Sprint(got.Profiles[1]["sessions"]), "[]"},
		{field(got.Profiles[2], "source_state"), "not_signed_in"},
		{field(got.Profiles[2], "sso_role_name"), "Developer"},
		{field(got.Sources[0], "name"), "corp"},
		{fmt.Sprint(got.Sources[0]["used_by"]), "[sso-dev]"},
		{fmt.Sprint(got.Sources[1]["used_by"]), "[]"},
		{field(got.KeySets[0], "name"), "cloudspin_user"},
		{field(got.KeySets[0], "access_key_id"), "AKIA…MPLE"},
		{fmt.Sprint(got.KeySets[0]["used_by"]), "[assume-app]"},
		{field(got.KeySets[1], "name"), "old_user"},
	}
	for i, c := range checks {
		if c.got != c.want {
			t.Errorf("check %d: got %q, want %q\n%s", i, c.got, c.want, out.String())
		}
	}
}

// spind not running, or locked: the listing says what is unknown instead
// of calling key sets missing, and a locked spind is not asked for keys.
func TestListWithoutSpind(t *testing.T) {
	for _, tt := range []struct {
		name      string
		d         *fakeDaemon
		spind     Spind
		state     string
		sessions  string
		wantAsked string
	}{
		{"not running", &fakeDaemon{err: fmt.Errorf("%w (socket /x)", launch.ErrNoDaemon)}, Spind{Error: "not running"}, "unknown", "?", "status"},
		{"locked", &fakeDaemon{st: api.Status{Locked: true}}, Spind{Running: true, Locked: true}, "unknown", "none", "status"},
		{"keyring fails", &fakeDaemon{keysErr: errors.New("keyring: no collection")}, Spind{Running: true, Error: "keyring: no collection"}, "unknown", "none", "status keys"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := Input{Config: parse(t)}
			Ask(t.Context(), tt.d, &in)
			l := Build(in)
			if l.Spind != tt.spind || l.Profiles[0].SourceState != tt.state || strings.Join(tt.d.asked, " ") != tt.wantAsked {
				t.Errorf("got spind %+v, state %q, asked %v", l.Spind, l.Profiles[0].SourceState, tt.d.asked)
			}
			if s := l.sessions(l.Profiles[0], time.Now()); s != tt.sessions {
				t.Errorf("sessions cell %q, want %q", s, tt.sessions)
			}
			var out bytes.Buffer
			if err := l.WriteText(&out, time.Now()); err != nil || !strings.Contains(out.String(), "cloudspin_user (key set) ") {
				t.Errorf("table:\n%s", out.String())
			}
		})
	}
}

// squeeze folds runs of spaces, so the test does not pin column widths.
func squeeze(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' }), " ")
}
