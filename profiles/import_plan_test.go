package profiles

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudspin/spin/internal/secret"
)

// A walkthrough-shaped pair of files, with the shapes import must skip.
const (
	planConfig = `# my aws config
[default]
region = us-west-2

[profile cloudspin_user]
mfa_serial = arn:aws:iam::123456789012:mfa/cloudspin_user

[profile assume-cloudspin_examples-account]
role_arn = arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-account
source_profile = cloudspin_user

[profile second]
# same user, another role
role_arn = arn:aws:iam::123456789012:role/second
source_profile = cloudspin_user
external_id = ext-123
role_session_name = me
source_identity = alice
duration_seconds = 3600
region = us-east-1
mfa_serial = arn:aws:iam::123456789012:mfa/cloudspin_user

[profile via-sso]
role_arn = arn:aws:iam::123456789012:role/x
source_profile = sso-user

[profile sso-user]
sso_session = corp

[profile chained]
role_arn = arn:aws:iam::123456789012:role/y
source_profile = assume-cloudspin_examples-account

[profile with-output]
role_arn = arn:aws:iam::123456789012:role/z
source_profile = cloudspin_user
output = json

[profile short]
role_arn = arn:aws:iam::123456789012:role/short
source_profile = cloudspin_user
duration_seconds = 900

[profile temp]
role_arn = arn:aws:iam::123456789012:role/t
source_profile = session_user

[profile spin-made]
` + Marker + `
credential_process = '/usr/local/bin/spin' credential-process spin-made

[profile with-extra]
role_arn = arn:aws:iam::123456789012:role/w
source_profile = cloudspin_user
sts_regional_endpoints = legacy
`
	planCredentials = `[cloudspin_user]
aws_access_key_id = ` + exampleKeyID + `
aws_secret_access_key = ` + exampleSecret + `

[session_user]
aws_access_key_id = ASIAIOSFODNN7EXAMPLE
aws_secret_access_key = ` + exampleSecret + `
aws_session_token = FwoGZXIvYXdzEXAMPLE
`
)

var secretEqual = cmp.Comparer(func(a, b secret.String) bool { return a.Equal(b) })

func TestPlanImport(t *testing.T) {
	conf, creds := ParseAWSConfig([]byte(planConfig)), ParseAWSConfig([]byte(planCredentials))
	plan, err := PlanImport(conf, creds, parse(t, "keyring:\n  backend: pass\n"), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	const mfa = "arn:aws:iam::123456789012:mfa/cloudspin_user"
	want := &ImportPlan{
		Keys: []KeyImport{{
			Credentials: Credentials{Profile: "cloudspin_user", AccessKeyID: exampleKeyID, SecretAccessKey: secret.New(exampleSecret), Line: 1},
			MFASerial:   mfa,
			// Two profiles that stay behind still use the keys: they stay
			// in the credentials file.
			Users: []ImportSkip{{"short", 39, "its source_profile is cloudspin_user"}, {"with-extra", 52, "its source_profile is cloudspin_user"}},
			Keep:  true,
		}},
		Profiles: []ProfileImport{
			{Profile: Profile{Name: "assume-cloudspin_examples-account", Source: "cloudspin_user",
				RoleARN: "arn:aws:iam::123456789012:role/spin_role-cloudspin_examples-account"}, Line: 8},
			{Profile: Profile{Name: "second", Source: "cloudspin_user", RoleARN: "arn:aws:iam::123456789012:role/second",
				ExternalID: "ext-123", RoleSessionName: "me", Duration: time.Hour, Region: "us-east-1", MFASerial: mfa,
				SourceIdentity: "alice", SourceIdentitySet: true},
				Line: 12, Comments: 1},
			// output says how the CLI prints, not where credentials come
			// from: it stays in the section (AdoptProfiles).
			{Profile: Profile{Name: "with-output", Source: "cloudspin_user", RoleARN: "arn:aws:iam::123456789012:role/z"}, Line: 34},
		},
		Skipped: []ImportSkip{
			{"via-sso", 23, "source_profile sso-user has no keys in the credentials file and the keyring has no key set sso-user: run 'spin keys add sso-user', then import again (or, for SSO, add a source under sources:)"},
			{"chained", 30, "source_profile assume-cloudspin_examples-account assumes a role itself: spin does not chain roles"},
			{"short", 39, "spin would not accept it: duration 15m in profile \"short\" must exceed min_validity 15m + refresh margin 1m30s + expiry skew 5s = 16m35s (the refresh margin is min(5m, 10% of duration), the skew min(5s, 10%))"},
			{"temp", 44, "profile session_user: [session_user] at line 5 holds temporary keys (a session token or an ASIA key id): spin stores only an IAM user's long-term (AKIA) keys"},
			{"with-extra", 52, "has sts_regional_endpoints, which spin does not carry over: move or remove it, then import again"},
			{"sso-user", 27, "sso_session corp has no [sso-session corp] section"},
		},
	}
	if diff := cmp.Diff(want, plan, secretEqual); diff != "" {
		t.Errorf("plan mismatch (-want +got):\n%s", diff)
	}
	for _, s := range plan.Skipped {
		if strings.Contains(s.String(), exampleSecret) {
			t.Errorf("skip reason quotes the secret: %s", s)
		}
	}

	// config.yaml already has one of them: refused, unless forced.
	cfg := parse(t, "profiles:\n  second:\n    source: someone\n")
	var pe *ProfileExistsError
	if _, err := PlanImport(conf, creds, cfg, nil, false); !errors.As(err, &pe) || strings.Join(pe.Names, ",") != "second" {
		t.Fatalf("got %v, want ProfileExistsError for second", err)
	}
	plan, err = PlanImport(conf, creds, cfg, nil, true)
	if err != nil || len(plan.Profiles) != 3 || plan.Profiles[0].Replaces || !plan.Profiles[1].Replaces {
		t.Fatalf("forced: got %+v, %v; want second marked as replacing", plan, err)
	}
	// Forced, the keys go although short and with-extra still use them.
	if k := plan.Keys[0]; k.Keep || len(k.Users) != 2 {
		t.Errorf("forced: got %+v, want the keys removed and their users listed", k)
	}
}

// A source whose key set already is in the keyring: its profiles are
// imported (the keys need not be in the credentials file any more), the
// same key is not stored again, and another key under that name is a
// conflict the plan reports (so a dry run does) unless forced.
func TestPlanImportKeyring(t *testing.T) {
	const conf = "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = cloudspin_user\nregion = eu-west-1\n"
	withKeys, noKeys := ParseAWSConfig([]byte(planCredentials)), ParseAWSConfig([]byte("[default]\n"))
	same := map[string]string{"cloudspin_user": secret.MaskKeyID(exampleKeyID)}
	other := map[string]string{"cloudspin_user": "AKIA…OTHR"}
	tests := []struct {
		name    string
		creds   *AWSConfig
		keyring map[string]string
		force   bool
		check   func(*ImportPlan) bool
		err     string
	}{
		{"keys gone, key set stored", noKeys, same, false, func(p *ImportPlan) bool {
			return len(p.Profiles) == 1 && p.Profiles[0].FromKeyring && len(p.Keys) == 0 && len(p.Skipped) == 0
		}, ""},
		{"keys gone, key set stored under another key", noKeys, other, false, func(p *ImportPlan) bool {
			return len(p.Profiles) == 1 && p.Profiles[0].FromKeyring && len(p.Keys) == 0
		}, ""},
		{"same key in both", withKeys, same, false, func(p *ImportPlan) bool {
			return len(p.Profiles) == 1 && !p.Profiles[0].FromKeyring && len(p.Keys) == 1 && p.Keys[0].Stored && !p.Keys[0].Keep
		}, ""},
		{"another key stored", withKeys, other, false, nil, "the keyring already holds key set cloudspin_user with another key (the keyring has AKIA…OTHR, [cloudspin_user] of the credentials file AKIA…MPLE)"},
		{"another key stored, forced", withKeys, other, true, func(p *ImportPlan) bool {
			return len(p.Keys) == 1 && p.Keys[0].Replaces && !p.Keys[0].Stored
		}, ""},
		{"nowhere", noKeys, nil, false, func(p *ImportPlan) bool {
			return len(p.Profiles) == 0 && len(p.Skipped) == 1 && strings.Contains(p.Skipped[0].Reason, "run 'spin keys add cloudspin_user'")
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := PlanImport(ParseAWSConfig([]byte(conf)), tt.creds, parse(t, ""), tt.keyring, tt.force)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Errorf("got %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || !tt.check(plan) {
				t.Errorf("got %+v, %v", plan, err)
			}
		})
	}
}

func TestPlanImportNothing(t *testing.T) {
	for name, conf := range map[string]string{
		"empty":          "",
		"no role":        "[default]\nregion = eu-west-1\n",
		"duplicate":      "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = cloudspin_user\n[profile a]\nregion = x\n",
		"self, no keys":  "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = a\n",
		"nested setting": "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = cloudspin_user\ns3 =\n  addressing_style = path\n",
	} {
		t.Run(name, func(t *testing.T) {
			plan, err := PlanImport(ParseAWSConfig([]byte(conf)), ParseAWSConfig([]byte(planCredentials)), parse(t, ""), nil, false)
			if err != nil || len(plan.Profiles) != 0 || len(plan.Keys) != 0 {
				t.Errorf("got %+v, %v; want nothing to import", plan, err)
			}
			if name != "empty" && name != "no role" && len(plan.Skipped) != 1 {
				t.Errorf("got skips %v, want one", plan.Skipped)
			}
		})
	}
}

// AdoptProfiles rewrites exactly the planned sections; every other line of
// the file stays.
func TestAdoptProfiles(t *testing.T) {
	conf, creds := ParseAWSConfig([]byte(planConfig)), ParseAWSConfig([]byte(planCredentials))
	plan, err := PlanImport(conf, creds, parse(t, ""), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []AWSProfile{{Name: "assume-cloudspin_examples-account", Region: "eu-west-1"}, {Name: "second", Region: "us-east-1"}, {Name: "with-output"}}
	doc := ParseAWSConfig([]byte(planConfig))
	changes, err := AdoptProfiles(doc, testHelper, want, plan.Profiles)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 3 || changes[0].Action != Updated || changes[1].Region != "us-east-1" {
		t.Errorf("got changes %+v", changes)
	}
	checkKept(t, conf, doc, edited(changes), false)
	golden(t, "testdata/import/adopt.golden", doc.Render())
	// with-output keeps its output after spin's lines, and the next
	// 'spin profiles write' changes nothing.
	if !strings.Contains(string(doc.Render()), "credential-process with-output\noutput = json\n") {
		t.Errorf("with-output lost its output:\n%s", doc.Render())
	}
	again, err := Sync(doc, testHelper, want, SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range again {
		if ch.Action != Unchanged && ch.Action != Stale {
			t.Errorf("a write after the import: %+v, want nothing changed", ch)
		}
	}

	changed := strings.Replace(planConfig, "role/second", "role/third", 1)
	if _, err := AdoptProfiles(ParseAWSConfig([]byte(changed)), testHelper, want, plan.Profiles); err == nil || !strings.Contains(err.Error(), "changed while it was imported") {
		t.Errorf("changed file: got %v, want a refusal", err)
	}
}
