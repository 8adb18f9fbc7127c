package profiles

import (
	"path/filepath"
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

func TestPlanImportPointsLoginSessionsAtSpinLogin(t *testing.T) {
	cfg, err := Parse("config.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := PlanImport(ParseAWSConfig([]byte(loginAWSConfig)), ParseAWSConfig(nil), cfg, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Profiles) != 0 || len(plan.Skipped) != 2 || !strings.Contains(plan.Skipped[0].Reason, "spin login SOURCE --from-aws-cli console") {
		t.Errorf("plan = %+v", plan)
	}
}
