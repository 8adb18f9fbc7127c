package keyimport

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/profiles"
)

// Issue 12, test 6 at the package level: the AWS CLI's SSO profiles and
// its cached token move into spin; the cache file goes only when no
// profile left behind signs in with it.
func TestProfilesImportSSO(t *testing.T) {
	h := newImportHome(t, "keyring:\n  backend: pass\n")
	home := t.TempDir()
	const awsCfg = "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\n" +
		"[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Developer\n\n" +
		"[profile legacy]\nsso_start_url = https://old.awsapps.com/start\nsso_region = eu-west-1\nsso_account_id = 444455556666\nsso_role_name = ReadOnly\n\n" +
		"[profile legacy-admin]\nsso_start_url = https://old.awsapps.com/start\nsso_region = eu-west-1\nsso_account_id = 444455556666\nsso_role_name = Admin\nsts_regional_endpoints = legacy\n"
	if err := os.WriteFile(h.aws, []byte(awsCfg), 0o600); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string { return map[string]string{"HOME": home}[k] }
	corpCache, _ := profiles.SSOCachePath(getenv, "corp")
	oldCache, _ := profiles.SSOCachePath(getenv, "https://old.awsapps.com/start")
	for _, p := range []string{corpCache, oldCache} {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(`{"accessToken":"tok-`+filepath.Base(p)+`","expiresAt":"2099-01-01T00:00:00Z"}`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	cfg, err := profiles.Load(h.cfg)
	if err != nil {
		t.Fatal(err)
	}
	ks := &memStore{keys: map[string]api.KeyRequest{}}
	imp, err := PlanProfilesImport(ctx, cfg, profiles.Helper{Path: "/usr/bin/spin"}, h.aws, h.creds, ks, false)
	if err != nil {
		t.Fatal(err)
	}
	imp.getenv = getenv
	var dry bytes.Buffer
	imp.Report(&dry, &dry, true, nil)
	for _, want := range []string{
		"would add source corp (IAM Identity Center https://corp.awsapps.com/start, us-east-1)",
		"would import profile dev (sso source corp, account 111122223333, role Developer)",
		"would move the AWS CLI's token for source corp from " + corpCache + " into the keyring",
		"would keep " + oldCache + ": legacy-admin (line 16) still signs in with it",
	} {
		if !strings.Contains(dry.String(), want) {
			t.Errorf("dry run lacks %q:\n%s", want, dry.String())
		}
	}
	if len(ks.imported) != 0 {
		t.Fatal("the dry run handed tokens over")
	}

	if _, err := imp.Apply(ctx, ks); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	imp.Report(&out, &out, false, nil)
	if _, err := os.Stat(corpCache); !os.IsNotExist(err) {
		t.Errorf("corp's cache file is still there (%v):\n%s", err, out.String())
	}
	if _, err := os.Stat(oldCache); err != nil {
		t.Errorf("legacy-admin still signs in with old's token, but its file is gone: %v", err)
	}
	if !strings.Contains(ks.imported["corp"], "tok-") || !strings.Contains(ks.imported["old"], "tok-") {
		t.Errorf("tokens handed to spind: %v", ks.imported)
	}
	got, err := profiles.Load(h.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if d := got.Sources["corp"]; d.Kind != profiles.KindSSO || d.SSO.StartURL != "https://corp.awsapps.com/start" {
		t.Errorf("config.yaml's source corp: %+v", d)
	}
	if p := got.Profiles["legacy"]; p.Source != "old" || p.SSORoleName != "ReadOnly" {
		t.Errorf("config.yaml's profile legacy: %+v", p)
	}
	aws, _ := os.ReadFile(h.aws)
	if !strings.Contains(string(aws), "[profile dev]\n"+profiles.Marker) || !strings.Contains(string(aws), "[sso-session corp]\nsso_start_url") ||
		!strings.Contains(string(aws), "[profile legacy-admin]\nsso_start_url") {
		t.Errorf("AWS config after the import:\n%s", aws)
	}
	if strings.Contains(out.String()+string(aws), "tok-") {
		t.Error("a token was printed or written")
	}
}
