package profiles

import (
	"path/filepath"

	"github.com/google/go-cmp/cmp"
	"strings"
	"testing"
)

const loginAWSConfig = `[profile console]
login_session = arn:aws:iam::123456789012:user/alice
region = us-east-1
[profile also]
login_session = arn:aws:iam::123456789012:user/alice
[profile plain]
region = eu-west-1
`

func TestLoginSessions(t *testing.T) {
	conf := ParseAWSConfig([]byte(loginAWSConfig))
	got := LoginSessions(conf)
	if len(got) != 2 || got["console"] != "arn:aws:iam::123456789012:user/alice" || got["also"] == "" {
		t.Errorf("LoginSessions = %v", got)
	}
	if _, err := LoginSessionOf(conf, "plain"); err == nil || !strings.Contains(err.Error(), "no login_session") {
		t.Errorf("LoginSessionOf(plain) = %v", err)
	}
	// The AWS CLI's cache file name: hex SHA-256 of the session name.
	env := map[string]string{"HOME": "/home/u"}
	p, err := LoginCachePath(func(k string) string { return env[k] }, "arn:aws:sts::012345678910:assumed-role/Admin/admin")
	if err != nil || p != "/home/u/.aws/login/cache/4b0ba8f99f075c0633e122fd73346ce203a3faf18ea0310eb2d29df1bab2e255.json" {
		t.Errorf("LoginCachePath = %s, %v", p, err)
	}
	env["AWS_LOGIN_CACHE_DIRECTORY"] = "/tmp/c"
	if p, _ := LoginCachePath(func(k string) string { return env[k] }, "x"); filepath.Dir(p) != "/tmp/c" {
		t.Errorf("AWS_LOGIN_CACHE_DIRECTORY not honoured: %s", p)
	}
}

// Profiles that use 'aws login' become profiles of a login source (one
// per login session), and the session the AWS CLI cached moves with them.
func TestPlanImportLoginSessions(t *testing.T) {
	cfg, err := Parse("config.yaml", []byte("defaults:\n  region: eu-west-1\n"))
	if err != nil {
		t.Fatal(err)
	}
	const alice = "arn:aws:iam::123456789012:user/alice"
	plan, err := PlanImport(ParseAWSConfig([]byte(loginAWSConfig+"[profile assumes]\nlogin_session = "+alice+"\nrole_arn = arn:aws:iam::123456789012:role/x\n")), ParseAWSConfig(nil), cfg, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	us := SourceDef{Name: "aws-login", Kind: KindLogin, Login: LoginSource{Region: "us-east-1"}}
	want := &ImportPlan{
		Profiles: []ProfileImport{
			{Profile: Profile{Name: "console", Source: "aws-login", Region: "us-east-1"}, Line: 1, LoginSession: alice},
			{Profile: Profile{Name: "also", Source: "aws-login"}, Line: 4, LoginSession: alice},
		},
		Skipped: []ImportSkip{{"assumes", 8, "it assumes a role with its login_session: add a login source under sources: and a profile with that role_arn by hand"}},
		Sources: []SourceImport{{Def: us, Line: 1}},
		// assumes stays with the AWS CLI and still uses the session.
		Tokens: []TokenImport{{Source: "aws-login", Kind: KindLogin, CacheKey: alice, Users: []ImportSkip{{Profile: "assumes", Line: 8}}}},
	}
	if diff := cmp.Diff(want, plan); diff != "" {
		t.Errorf("plan mismatch (-want +got):\n%s", diff)
	}
	out, err := InsertImport("config.yaml", []byte("defaults:\n  region: eu-west-1\n"), []SourceDef{us}, []Profile{plan.Profiles[0].Profile, plan.Profiles[1].Profile}, false)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse("config.yaml", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.Profiles["also"].Kind != KindLogin || got.Sources["aws-login"].Login.Region != "us-east-1" {
		t.Errorf("config.yaml after the import:\n%s", out)
	}
}
