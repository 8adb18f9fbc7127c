package complete

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/profiles"
)

const config = `sources:
  corp:
    sso:
      start_url: https://d-1234567890.awsapps.com/start
      region: us-east-1
  me:
    login: {}
  ci:
    web_identity:
      token_file: /t
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

type keys struct {
	names []string
	err   error
	delay time.Duration
}

func (k keys) ListKeys(ctx context.Context) ([]api.KeyInfo, error) {
	select {
	case <-time.After(k.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var out []api.KeyInfo
	for _, n := range k.names {
		out = append(out, api.KeyInfo{Name: n})
	}
	return out, k.err
}

func TestNames(t *testing.T) {
	cfg, err := profiles.Parse("config.yaml", []byte(config))
	if err != nil {
		t.Fatal(err)
	}
	running := keys{names: []string{"zed", "cloudspin_user", "old"}}
	tests := []struct {
		name   string
		kind   Kind
		prefix string
		cfg    *profiles.Config
		keys   Keys
		want   []string
	}{
		{"profiles, described", Profiles, "", cfg, nil, []string{"assume-app\tarn:aws:iam::123456789012:role/app", "bootstrap\tsource bootstrap_admin", "sso-dev\tsource corp"}},
		{"profiles by prefix", Profiles, "b", cfg, nil, []string{"bootstrap\tsource bootstrap_admin"}},
		{"no config", Profiles, "", nil, nil, nil},
		{"sign-in sources", Sources, "", cfg, nil, []string{"corp\tsso", "me\tlogin"}},
		{"sso sources", SSO, "", cfg, nil, []string{"corp\tsso"}},
		{"key sets from spind", KeySets, "", cfg, running, []string{"cloudspin_user", "old", "zed"}},
		{"key sets by prefix", KeySets, "o", cfg, running, []string{"old"}},
		{"spind not running: config's key sets", KeySets, "", cfg, keys{err: errors.New("no spind")}, []string{"bootstrap_admin", "cloudspin_user"}},
		{"no socket", KeySets, "", cfg, nil, []string{"bootstrap_admin", "cloudspin_user"}},
		{"slow spind: config's, without waiting", KeySets, "", cfg, keys{names: []string{"x"}, delay: time.Minute}, []string{"bootstrap_admin", "cloudspin_user"}},
		{"keys add: what profiles use and is not stored", NewKeySet, "", cfg, running, []string{"bootstrap_admin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			got := Names(t.Context(), tt.kind, tt.prefix, tt.cfg, tt.keys)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if d := time.Since(start); d > Wait+time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
}

func TestArgKind(t *testing.T) {
	for _, tt := range []struct {
		path, use string
		want      Kind
	}{
		{"spin exec", "exec PROFILE [-- CMD [ARGS...]]", Profiles},
		{"spin sessions clear", "clear [PROFILE]", Profiles},
		{"spin login", "login SOURCE", Sources},
		{"spin profiles generate", "generate SOURCE", SSO},
		{"spin keys remove", "remove NAME", KeySets},
		{"spin keys add", "add NAME", NewKeySet},
		{"spin profiles remove", "remove NAME", Profiles},
		{"spin keys import", "import --from-credentials-file PROFILE", None},
		{"spin plan", "plan [DIR]", None},
		{"spin status", "status", None},
	} {
		if got := ArgKind(tt.path, tt.use); got != tt.want {
			t.Errorf("ArgKind(%q, %q) = %d, want %d", tt.path, tt.use, got, tt.want)
		}
	}
}

// keys import --from-credentials-file offers the credentials file's
// profiles with long-term keys, not those with temporary keys or none.
func TestCredentialsProfiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials")
	data := `[cloudspin_user]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

[session]
aws_access_key_id = ASIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
aws_session_token = FwoGZXIvYXdzEXAMPLE

[nokeys]
region = eu-west-1

[ci]
aws_access_key_id = AKIAOTHEROTHEROTHER1
aws_secret_access_key = otherSecretotherSecretotherSecret0000000
`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := CredentialsProfiles(path, ""); !slices.Equal(got, []string{"cloudspin_user", "ci"}) {
		t.Errorf("got %q", got)
	}
	if got := CredentialsProfiles(path, "cl"); !slices.Equal(got, []string{"cloudspin_user"}) {
		t.Errorf("prefix cl: got %q", got)
	}
	if got := CredentialsProfiles(filepath.Join(t.TempDir(), "none"), ""); got != nil {
		t.Errorf("no file: got %q", got)
	}
}
