package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/cloudspin/spin/internal/awsemu"
)

// IAM Identity Center through spind (issue 12): spin login signs in once,
// every client configured by a `spin profiles write` profile then gets the
// permission set's role, and no token ever lands in a file.

const (
	ssoStartURL = "https://d-1234567890.awsapps.com/start"
	ssoAccount  = "111122223333"
	ssoUser     = "alice@example.com"
	ssoHint     = "spin: source corp needs a sign-in: run 'spin login corp'\n"
)

func wantSSOARN(role string) string {
	return "arn:aws:sts::" + ssoAccount + ":assumed-role/" + awsemu.ReservedSSORoleName(ssoAccount, role) + "/" + ssoUser
}

// newSSOWorld is a world whose config has an sso source "corp" and two
// profiles of it: sso-dev (the permission set's role) and sso-chain (a
// role assumed from it), written to ~/.aws/config by spin profiles write.
func newSSOWorld(t *testing.T, cfg awsemu.SSOConfig) *world {
	t.Helper()
	w := newWorld(t, worldOptions{})
	cfg.StartURL, cfg.User = ssoStartURL, ssoUser
	cfg.Accounts = append(cfg.Accounts, awsemu.SSOAccount{ID: ssoAccount, Name: "dev", Roles: []string{"Developer"}})
	w.emu.ConfigureSSO(cfg)
	w.writeFile(w.config, fmt.Sprintf(`keyring:
  backend: secret-service
defaults:
  region: eu-west-1
sources:
  corp:
    sso:
      start_url: %s
      region: us-east-1
profiles:
  sso-dev:
    source: corp
    sso_account_id: "%s"
    sso_role_name: Developer
  sso-chain:
    source: corp
    sso_account_id: "%s"
    sso_role_name: Developer
    role_arn: arn:aws:iam::%s:role/deploy
    duration: 1h
endpoints:
  sts: %s
  sso: %s
  sso_oidc: %s
`, ssoStartURL, ssoAccount, ssoAccount, ssoAccount, w.url, w.url, w.url))
	w.run("", "profiles", "write")
	// The Secret Service is shared by the tests: drop the source's item.
	t.Cleanup(func() { _, _, _ = w.try("", "logout", "corp") })
	return w
}

// deviceLogin runs spin login --no-browser and approves its code at the
// emulator, as the user would in a browser on another device.
func (w *world) deviceLogin(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := w.command(ctx, w.spin, "login", "corp", "--no-browser")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var codes []string
	for deadline := time.Now().Add(30 * time.Second); len(codes) == 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		codes = w.emu.PendingUserCodes()
	}
	if len(codes) != 1 {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("pending device codes = %v, want one\nstderr: %s", codes, errOut.String())
	}
	if err := w.emu.ApproveDevice(codes[0]); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("spin login --no-browser: %v\nstderr: %s", err, errOut.String())
	}
	if !strings.Contains(errOut.String(), codes[0]) || !strings.Contains(errOut.String(), w.url+"/device?user_code=") {
		t.Errorf("spin login did not show the verification URL and code %s:\n%s", codes[0], errOut.String())
	}
	if out.String() != "signed in to source corp\n" {
		t.Errorf("stdout = %q", out.String())
	}
}

func (w *world) awsCLIIdentity(t *testing.T, profile string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// Debian's CLI reads only credential_process output here; its STS
	// endpoint comes from --endpoint-url (it ignores the variables).
	out, err := w.command(ctx, awsCLI, "sts", "get-caller-identity", "--profile", profile,
		"--endpoint-url", w.url, "--output", "json").CombinedOutput()
	if err != nil {
		t.Fatalf("aws sts get-caller-identity --profile %s: %v\n%s", profile, err, out)
	}
	var id struct{ Arn string }
	if err := json.Unmarshal(out, &id); err != nil {
		t.Fatalf("decode %s: %v", out, err)
	}
	return id.Arn
}

func (w *world) sdkIdentity(t *testing.T, profile string) string {
	t.Helper()
	for _, kv := range w.env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v) // the SDK runs the helper with this process's environment
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithSharedConfigProfile(profile))
	if err != nil {
		t.Fatal(err)
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity through credential_process (%s): %v", profile, err)
	}
	return aws.ToString(out.Arn)
}

// assertNoTokenFiles: no file under HOME holds a token or client secret
// the emulator issued, and the AWS CLI's token cache was never created.
func (w *world) assertNoTokenFiles(t *testing.T) {
	t.Helper()
	secrets := w.emu.IssuedSSOSecrets()
	if len(secrets) == 0 {
		t.Fatal("the emulator issued no SSO secrets: nothing was checked")
	}
	for _, s := range secrets {
		if hits := filesContaining(t, w.home, s); len(hits) > 0 {
			t.Errorf("an SSO token or client secret is in files under HOME: %v", hits)
		}
	}
	if _, err := os.Stat(filepath.Join(w.home, ".aws", "sso")); !os.IsNotExist(err) {
		t.Errorf("~/.aws/sso exists (err %v): spin must not use the CLI's token cache", err)
	}
}

// Issue 12, test 1 (device) and 4: /usr/bin/aws and aws-sdk-go-v2 get the
// permission set's role after spin login --no-browser.
func TestSSODeviceLoginRealClients(t *testing.T) {
	w := newSSOWorld(t, awsemu.SSOConfig{})
	w.deviceLogin(t)
	if got := w.awsCLIIdentity(t, "sso-dev"); got != wantSSOARN("Developer") {
		t.Errorf("aws cli: Arn %q, want %q", got, wantSSOARN("Developer"))
	}
	if got := w.sdkIdentity(t, "sso-dev"); got != wantSSOARN("Developer") {
		t.Errorf("aws-sdk-go-v2: Arn %q, want %q", got, wantSSOARN("Developer"))
	}
	if n := w.emu.Calls("sso:GetRoleCredentials"); n != 1 {
		t.Errorf("GetRoleCredentials calls for two clients = %d, want 1 (cached)", n)
	}
	want := "arn:aws:sts::" + ssoAccount + ":assumed-role/deploy/spin-" + currentUser(t)
	if got := w.sdkIdentity(t, "sso-chain"); got != want {
		t.Errorf("role_arn on top of the sso role: Arn %q, want %q", got, want)
	}
	out := w.run("", "status")
	if !strings.Contains(out, "corp") || !strings.Contains(out, "signed in") {
		t.Errorf("spin status does not show source corp signed in:\n%s", out)
	}
	w.assertNoTokenFiles(t)
}

// Issue 12, test 1 (browser): BROWSER is a script that follows the
// authorize redirect to spin's loopback listener.
func TestSSOBrowserLoginRealClients(t *testing.T) {
	w := newSSOWorld(t, awsemu.SSOConfig{})
	w.emu.SetSSOAutoApprove(true)
	script := filepath.Join(w.root, "browser.sh")
	w.writeFile(script, "#!/bin/sh\n# a browser that is already signed in: follow every redirect\nexec curl -fsSL -o /dev/null \"$1\"\n")
	if err := os.Chmod(script, 0o700); err != nil {
		t.Fatal(err)
	}
	w.env = append(w.env, "BROWSER="+script)
	out, errOut, err := w.try("", "login", "corp")
	if err != nil {
		t.Fatalf("spin login: %v\nstdout: %s\nstderr: %s", err, out, errOut)
	}
	if !strings.Contains(errOut, w.url+"/authorize?") {
		t.Errorf("spin login did not print the authorize URL:\n%s", errOut)
	}
	if n := w.emu.Calls("sso-oidc:CreateToken/authorization_code"); n != 1 {
		t.Errorf("authorization-code exchanges = %d, want 1", n)
	}
	if got := w.awsCLIIdentity(t, "sso-dev"); got != wantSSOARN("Developer") {
		t.Errorf("aws cli: Arn %q, want %q", got, wantSSOARN("Developer"))
	}
	if got := w.sdkIdentity(t, "sso-dev"); got != wantSSOARN("Developer") {
		t.Errorf("aws-sdk-go-v2: Arn %q, want %q", got, wantSSOARN("Developer"))
	}
	w.assertNoTokenFiles(t)
}

// helperDetached runs the helper in its own session: no controlling
// terminal, as under an SDK in CI.
func (w *world) helperDetached(profile string) (stdout, stderr string, took time.Duration, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := w.command(ctx, filepath.Join(filepath.Dir(w.spin), helperName), profile)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	start := time.Now()
	err = cmd.Run()
	return o.String(), e.String(), time.Since(start), err
}

// Issue 12, test 2: 100 helpers at once. Without any sign-in each fails
// within 2 s with the one-line hint and no device authorization starts;
// with an expired access token and a valid refresh token, one refresh and
// one GetRoleCredentials serve them all.
func TestSSOHundredHelpers(t *testing.T) {
	w := newSSOWorld(t, awsemu.SSOConfig{AccessTokenTTL: 2 * time.Second})
	w.run("", "daemon", "start")
	const n = 100
	run := func(check func(stdout, stderr string, took time.Duration, err error) error) {
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := check(w.helperDetached("sso-dev")); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		bad := 0
		for err := range errs {
			if bad++; bad <= 5 {
				t.Error(err)
			}
		}
		if bad > 5 {
			t.Errorf("... and %d more", bad-5)
		}
	}

	run(func(stdout, stderr string, took time.Duration, err error) error {
		switch {
		case exitCode(err) != 1 || stdout != "" || stderr != ssoHint:
			return fmt.Errorf("without sign-in: exit %d, stdout %q, stderr %q; want exit 1 and %q", exitCode(err), stdout, stderr, ssoHint)
		case took > 2*time.Second:
			return fmt.Errorf("without sign-in: took %v, want under 2s", took)
		}
		return nil
	})
	if got := w.emu.Calls("sso-oidc:StartDeviceAuthorization") + w.emu.Calls("sso-oidc:RegisterClient"); got != 0 {
		t.Errorf("helpers without sign-in made %d sign-in calls, want 0", got)
	}

	w.deviceLogin(t)
	time.Sleep(3 * time.Second) // the access token expires; the refresh token stays good
	w.emu.ResetCounters()
	run(func(stdout, _ string, _ time.Duration, err error) error {
		var p processJSON
		if err != nil || json.Unmarshal([]byte(stdout), &p) != nil || p.SessionToken == "" {
			return fmt.Errorf("after sign-in: %v, stdout %q", err, stdout)
		}
		return nil
	})
	if got := w.emu.Calls("sso-oidc:CreateToken/refresh_token"); got != 1 {
		t.Errorf("refresh grants for %d helpers = %d, want 1", n, got)
	}
	if got := w.emu.Calls("sso-oidc:CreateToken"); got != 1 {
		t.Errorf("CreateToken calls = %d, want 1", got)
	}
	if got := w.emu.Calls("sso:GetRoleCredentials"); got != 1 {
		t.Errorf("GetRoleCredentials calls for %d helpers = %d, want 1", n, got)
	}
	w.assertNoTokenFiles(t)
}

// Issue 12, test 3: an expired refresh token turns into signin_required;
// spin login resumes without restarting spind; spin logout ends it.
func TestSSOExpiredRefreshTokenThenLoginAndLogout(t *testing.T) {
	w := newSSOWorld(t, awsemu.SSOConfig{AccessTokenTTL: 2 * time.Second, SessionTTL: 4 * time.Second})
	w.deviceLogin(t)
	if _, stderr, _, err := w.helperDetached("sso-dev"); err != nil {
		t.Fatalf("helper after sign-in: %v: %s", err, stderr)
	}
	pids := w.daemons()
	time.Sleep(5 * time.Second) // the sign-in (and its refresh token) ends
	w.run("", "sessions", "clear")
	if _, stderr, _, err := w.helperDetached("sso-dev"); exitCode(err) != 1 || stderr != ssoHint {
		t.Fatalf("after the refresh token expired: exit %d, stderr %q; want %q", exitCode(err), stderr, ssoHint)
	}
	if got := w.emu.Rejections("ExpiredTokenException"); got != 1 {
		t.Errorf("ExpiredTokenException answers = %d, want 1 (the refresh was tried once)", got)
	}
	out := w.run("", "status")
	if !strings.Contains(out, "not signed in") {
		t.Errorf("spin status does not show corp signed out:\n%s", out)
	}

	w.deviceLogin(t)
	if _, stderr, _, err := w.helperDetached("sso-dev"); err != nil {
		t.Fatalf("helper after signing in again: %v: %s", err, stderr)
	}
	if got := w.daemons(); len(got) != 1 || len(pids) != 1 || got[0] != pids[0] {
		t.Errorf("spind pids %v then %v: the sign-in must not need a restart", pids, got)
	}

	if out := w.run("", "logout", "corp"); out != "signed out of source corp\n" {
		t.Errorf("spin logout printed %q", out)
	}
	if got := w.emu.Calls("sso:Logout"); got != 1 {
		t.Errorf("portal Logout calls = %d, want 1", got)
	}
	if _, stderr, _, err := w.helperDetached("sso-dev"); exitCode(err) != 1 || stderr != ssoHint {
		t.Errorf("after logout: exit %d, stderr %q; want %q", exitCode(err), stderr, ssoHint)
	}
	w.assertNoTokenFiles(t)
}

// Issue 12, test 5: spin profiles generate against 150 accounts, with the
// first portal calls throttled, adds 150x2 profiles (plus the one account
// the config already has a profile for), and a second run adds nothing.
func TestSSOProfilesGenerate(t *testing.T) {
	w := newSSOWorld(t, awsemu.SSOConfig{Accounts: awsemu.SSOAccounts(150, "Admin", "ReadOnly")})
	w.deviceLogin(t)
	before, err := os.ReadFile(w.config)
	if err != nil {
		t.Fatal(err)
	}
	w.emu.ThrottleSSO(3)
	out := w.run("", "profiles", "generate", "corp", "--dry-run")
	if !strings.Contains(out, "would add 300 profiles") || !strings.Contains(out, "+ acct-149-ReadOnly (account 100000000149, role ReadOnly)") {
		t.Errorf("dry run printed:\n%s", out)
	}
	if got := w.emu.Rejections("TooManyRequestsException"); got != 3 {
		t.Errorf("throttled portal calls = %d, want 3 (then retried)", got)
	}
	if after, _ := os.ReadFile(w.config); !bytes.Equal(after, before) {
		t.Errorf("--dry-run changed config.yaml")
	}

	w.emu.ThrottleSSO(3)
	out = w.run("", "profiles", "generate", "corp")
	if !strings.Contains(out, "added 300 profiles") || !strings.Contains(out, "151 accounts, 1 already there") {
		t.Errorf("generate printed:\n%s", out)
	}
	generated, _ := os.ReadFile(w.config)
	if !bytes.HasPrefix(generated, before[:bytes.LastIndex(before, []byte("  sso-chain:"))]) {
		t.Errorf("generate changed what was in config.yaml before")
	}
	out = w.run("", "profiles", "generate", "corp")
	if !strings.Contains(out, "added 0 profiles") || !strings.Contains(out, "301 already there") {
		t.Errorf("second generate printed:\n%s", out)
	}
	if again, _ := os.ReadFile(w.config); !bytes.Equal(again, generated) {
		t.Errorf("a second generate changed config.yaml")
	}

	w.run("", "profiles", "write")
	if got, want := w.sdkIdentity(t, "acct-149-Admin"), "arn:aws:sts::100000000149:assumed-role/"+
		awsemu.ReservedSSORoleName("100000000149", "Admin")+"/"+ssoUser; got != want {
		t.Errorf("generated profile: Arn %q, want %q", got, want)
	}
}
