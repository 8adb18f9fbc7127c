package e2e

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/cloudspin/spin/internal/awsemu"
	"github.com/cloudspin/spin/profiles"
)

// Console credentials (`aws login`) as a source: spin login with a browser
// (curl as $BROWSER, following the emulator's redirect to spin's loopback
// listener) or --remote, then real clients through written profiles.

const loginSources = "  me:\n    login: {region: us-east-1}\n"

func loginProfiles() string {
	return fmt.Sprintf(`  assume-test:
    source: me
    role_arn: arn:aws:iam::%s:role/spin_role-test
  console:
    source: me
    min_validity: 2s
`, account)
}

// browserEnv plays the user's browser: curl follows the authorize page's
// redirect to the loopback callback.
const browserEnv = "BROWSER=curl -sS -o /dev/null -L"

func newLoginWorld(t *testing.T, lifetime time.Duration) *world {
	t.Helper()
	w := newWorld(t, worldOptions{sources: loginSources, profiles: loginProfiles()})
	w.emu.SetSigninUser(awsemu.Key{UserName: "cloudspin_user", Account: account})
	if lifetime > 0 {
		w.emu.SetSigninLifetimes(lifetime, 0)
	}
	w.env = append(w.env, browserEnv)
	w.addSigninEndpoint()
	w.writeFile(w.awsConf, "")
	w.run("", "daemon", "start")
	w.run("", "profiles", "write")
	return w
}

// addSigninEndpoint points spind's Sign-In at the emulator: endpoints: is
// the last block of the world's config.yaml, and spind re-reads the file.
func (w *world) addSigninEndpoint() {
	w.t.Helper()
	conf, err := os.ReadFile(w.config)
	if err != nil {
		w.t.Fatal(err)
	}
	w.writeFile(w.config, string(conf)+"  signin: "+w.url+"\n")
}

const consoleUser = "arn:aws:iam::" + account + ":user/cloudspin_user"

func TestLoginSourceRealClients(t *testing.T) {
	w := newLoginWorld(t, 0)

	// Before any sign-in the helper fails at once with the command to run.
	_, errOut, err := w.helper("assume-test")
	if err == nil || !strings.Contains(errOut, "spin login me") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Fatalf("helper before sign-in: %v, stderr %q; want one line naming 'spin login me'", err, errOut)
	}

	out := w.run("", "login", "me")
	if !strings.Contains(out, "signed in to source me as "+consoleUser) {
		t.Fatalf("spin login: %s", out)
	}

	t.Run("aws cli v2", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		for profile, want := range map[string]string{"assume-test": wantAssumedARN("spin-" + currentUser(t)), "console": consoleUser} {
			out, err := w.command(ctx, awsCLI, "sts", "get-caller-identity", "--profile", profile,
				"--endpoint-url", w.url, "--output", "json").CombinedOutput()
			if err != nil {
				t.Fatalf("aws --profile %s: %v\n%s", profile, err, out)
			}
			var id struct{ Arn string }
			if err := json.Unmarshal(out, &id); err != nil || id.Arn != want {
				t.Errorf("aws --profile %s: got %s, want %s", profile, out, want)
			}
		}
	})
	t.Run("aws-sdk-go-v2", func(t *testing.T) {
		for _, kv := range w.env {
			k, v, _ := strings.Cut(kv, "=")
			t.Setenv(k, v)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cfg, err := config.LoadDefaultConfig(ctx, config.WithSharedConfigProfile("assume-test"))
		if err != nil {
			t.Fatal(err)
		}
		out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("GetCallerIdentity: %v", err)
		}
		if want := wantAssumedARN("spin-" + currentUser(t)); aws.ToString(out.Arn) != want {
			t.Errorf("got %s, want %s", aws.ToString(out.Arn), want)
		}
	})

	// The console session's secrets stay in spind and the keyring.
	w.assertNoLoginSecretsInFiles()
}

// assertNoLoginSecretsInFiles: no file under HOME holds a refresh token, a
// private key or an AWS CLI login cache.
func (w *world) assertNoLoginSecretsInFiles() {
	t := w.t
	t.Helper()
	tokens := w.emu.SigninRefreshTokens()
	if len(tokens) == 0 {
		t.Fatal("the emulator holds no login session")
	}
	for _, rt := range tokens {
		if hits := filesContaining(t, w.home, rt); len(hits) > 0 {
			t.Errorf("a refresh token is in files under HOME: %v", hits)
		}
	}
	for _, marker := range []string{"PRIVATE KEY", "dpop", "refresh_token"} {
		if hits := filesContaining(t, w.home, marker); len(hits) > 0 {
			t.Errorf("%q is in files under HOME: %v", marker, hits)
		}
	}
}

// --remote: the URL is printed, the user opens it anywhere and pastes the
// code the confirmation page shows.
func TestLoginRemotePastedCode(t *testing.T) {
	w := newLoginWorld(t, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := w.command(ctx, w.spin, "login", "me", "--remote")
	stdin, _ := cmd.StdinPipe()
	stderr, _ := cmd.StderrPipe()
	var stdout strings.Builder
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urlRE := regexp.MustCompile(`https?://\S+/v1/authorize\?\S+`)
	sc := bufio.NewScanner(stderr)
	var authURL string
	for authURL == "" && sc.Scan() {
		authURL = urlRE.FindString(sc.Text())
	}
	if authURL == "" {
		t.Fatal("spin login --remote printed no URL")
	}
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(authURL) // on "another device"
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	code, ok := awsemu.VerificationCode(page)
	if !ok {
		t.Fatalf("no code on the confirmation page:\n%s", page)
	}
	fmt.Fprintln(stdin, code)
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("spin login --remote: %v", err)
	}
	if !strings.Contains(stdout.String(), "signed in to source me as "+consoleUser) {
		t.Fatalf("got %q", stdout.String())
	}
	if out, _, err := w.helper("console"); err != nil || !strings.Contains(out, `"AccessKeyId":"ASIA`) {
		t.Errorf("helper after --remote sign-in: %v %s", err, out)
	}
	w.assertNoLoginSecretsInFiles()
}

// The emulator ends the login session: helpers get the `spin login me`
// hint within 2 s; after spin login the same spind serves again.
func TestLoginSessionExpiryAsksAgain(t *testing.T) {
	w := newLoginWorld(t, 4*time.Second)
	w.run("", "login", "me")
	if _, errOut, err := w.helper("console"); err != nil {
		t.Fatalf("helper: %v %s", err, errOut)
	}
	pids := w.daemons()
	w.emu.ExpireSigninSessions()
	time.Sleep(2500 * time.Millisecond) // past half of the console credentials' life
	start := time.Now()
	_, errOut, err := w.helper("console")
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the hint took %v, want under 2s", took)
	}
	if err == nil || !strings.Contains(errOut, "run 'spin login me'") || !strings.Contains(errOut, "expired") {
		t.Fatalf("after the session ended: %v, stderr %q", err, errOut)
	}
	w.run("", "login", "me")
	if out, errOut, err := w.helper("console"); err != nil || !strings.Contains(out, "ASIA") {
		t.Fatalf("after signing in again: %v %s", err, errOut)
	}
	if got := w.daemons(); len(got) != 1 || len(pids) != 1 || got[0] != pids[0] {
		t.Errorf("spind changed: %v -> %v", pids, got)
	}
}

// spin up of the offline stack with a profile of a login source: tofu's
// SDKs consume credential_process, the Terraform bridge for console
// credentials; a second plan says no changes.
func TestLoginSourceStackUp(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl missing")
	}
	profiles := fmt.Sprintf("  assume-cloudspin_examples-account:\n    source: me\n    role_arn: arn:aws:iam::%s:role/%s\n", account, demoRole)
	w, dir := newStackWorld(t, worldOptions{sources: loginSources, profiles: profiles}, "", browserEnv)
	w.addSigninEndpoint()
	w.emu.SetSigninUser(awsemu.Key{UserName: "cloudspin_user", Account: account})
	w.run("", "login", "me")
	out, errOut, err := w.try("", "up", "--auto-approve", dir)
	if err != nil {
		t.Fatalf("spin up: %v\nstdout: %s\nstderr: %s", err, out, errOut)
	}
	if want := wantDemoARN(); !strings.Contains(out, want) {
		t.Errorf("apply output lacks %s:\n%s", want, out)
	}
	if _, errOut, err := w.try("", "plan", "--detailed-exitcode", dir); exitCode(err) != 0 {
		t.Errorf("second plan: exit %d, want 0\n%s", exitCode(err), errOut)
	}
	for _, c := range w.emu.AssumeRoleCalls() {
		if !strings.HasPrefix(c.SourceAccessKeyID, "ASIA") {
			t.Errorf("AssumeRole signed with %s, want the console session", c.SourceAccessKeyID)
		}
	}
}

// The session `aws login` left in ~/.aws/login/cache moves into the
// keyring and the plaintext file is deleted.
func TestLoginImportFromAWSCLICache(t *testing.T) {
	w := newLoginWorld(t, 0)
	path, session := w.awsLoginCache(t, "legacy")
	out, errOut, err := w.try("", "login", "me", "--from-aws-cli", "legacy")
	if err != nil {
		t.Fatalf("spin login --from-aws-cli: %v\n%s%s", err, out, errOut)
	}
	if !strings.Contains(out, session) || !strings.Contains(errOut, "legacy") {
		t.Errorf("got stdout %q stderr %q", out, errOut)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the AWS CLI's cache file is still there: %v", err)
	}
	if out, errOut, err := w.helper("console"); err != nil || !strings.Contains(out, "ASIA") {
		t.Fatalf("helper with the imported session: %v %s", err, errOut)
	}
	if got := w.emu.Calls("signin:refresh_token"); got < 1 {
		t.Errorf("no refresh with the imported session")
	}
	w.assertNoLoginSecretsInFiles()
}

// 100 helpers right after the console credentials expired: one refresh
// (with one DPoP proof), every helper served.
func TestLoginHundredHelpersOneRefresh(t *testing.T) {
	w := newLoginWorld(t, 16*time.Second)
	w.run("", "login", "me")
	// Let the console credentials expire unused (a used session would be
	// refreshed ahead), so the next callers find them expired.
	time.Sleep(17 * time.Second)
	before, start := w.emu.Calls("signin:refresh_token"), time.Now()
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, errOut, err := w.helper("console")
			var p processJSON
			switch {
			case err != nil:
				errs <- fmt.Sprintf("helper: %v: %s", err, errOut)
			case json.Unmarshal([]byte(out), &p) != nil || p.SessionToken == "":
				errs <- "helper printed no credentials"
			case !p.Expiration.After(start):
				// the expired console credentials, not the refreshed ones
				errs <- fmt.Sprintf("helper handed out credentials that expired at %s", p.Expiration)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if got := w.emu.Calls("signin:refresh_token") - before; got != 1 {
		t.Errorf("refreshes for 100 helpers = %d, want 1", got)
	}
	if n := w.emu.Rejections("signin:dpop"); n != 0 {
		t.Errorf("%d DPoP proofs refused", n)
	}
}

// Issue 13: spin profiles import adopts a login_session profile: it
// becomes a profile of config.yaml's login source, the session the AWS
// CLI cached moves into the keyring (one refresh checks it) and the
// cache file is deleted.
func TestLoginProfilesImportFromAWSCLICache(t *testing.T) {
	w := newLoginWorld(t, 0)
	path, _ := w.awsLoginCache(t, "legacy")

	out := w.run("", "profiles", "import")
	for _, want := range []string{"imported profile legacy (login source me)", "moved the AWS CLI's token for source me into the keyring and removed " + path} {
		if !strings.Contains(out, want) {
			t.Errorf("spin profiles import output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the AWS CLI's cache file is still there: %v", err)
	}
	if out, errOut, err := w.helper("legacy"); err != nil || !strings.Contains(out, "ASIA") {
		t.Fatalf("helper for the imported profile: %v %s", err, errOut)
	}
	if got := w.emu.Calls("signin:refresh_token"); got < 1 {
		t.Errorf("no refresh with the imported session")
	}
	aws, _ := os.ReadFile(w.awsConf)
	if !strings.Contains(string(aws), "[profile legacy]\n"+profiles.Marker) {
		t.Errorf("legacy is not spin's in the AWS config:\n%s", aws)
	}
	w.assertNoLoginSecretsInFiles()
}

// Issue 13, test 2, end to end: console credentials that live 20 s, and
// 70 s of AWS calls from aws-sdk-go-v2 (its own credential cache asking
// the helper again as they run out) and from the bare helper, for the
// console profile and a role on top. No call fails; Sign-In saw a
// handful of refresh grants, each with a valid DPoP proof, and STS no
// expired token.
func TestLoginConsoleCredentialsLongRunRealClients(t *testing.T) {
	w := newLoginWorld(t, 20*time.Second)
	w.run("", "login", "me")
	for _, kv := range w.env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v) // the SDK runs the helper with this process's environment
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	clients := map[string]*sts.Client{}
	for _, p := range []string{"console", "assume-test"} {
		cfg, err := config.LoadDefaultConfig(ctx, config.WithSharedConfigProfile(p))
		if err != nil {
			t.Fatal(err)
		}
		clients[p] = sts.NewFromConfig(cfg)
	}
	before := w.emu.Calls("signin:refresh_token")
	calls := 0
	for deadline := time.Now().Add(70 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		for p, c := range clients {
			if _, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
				t.Fatalf("aws-sdk-go-v2 (%s) after %d calls: %v", p, calls, err)
			}
			calls++
		}
		if calls%10 == 0 {
			if out, errOut, err := w.helper("console"); err != nil || !strings.Contains(out, "ASIA") {
				t.Fatalf("helper after %d calls: %v %s", calls, err, errOut)
			}
		}
	}
	refreshes := w.emu.Calls("signin:refresh_token") - before
	if refreshes < 3 || refreshes > 10 {
		t.Errorf("%d refresh grants in 70s of 20s console credentials, want a handful", refreshes)
	}
	for _, code := range []string{"ExpiredToken", "signin:dpop", "signin:INVALID_REQUEST"} {
		if n := w.emu.Rejections(code); n != 0 {
			t.Errorf("%d %s rejections", n, code)
		}
	}
	t.Logf("%d calls, %d refreshes", calls, refreshes)
}

// awsLoginCache leaves what `aws login` leaves: a login session (an
// emulator refresh token and its DPoP key) in ~/.aws/login/cache, as
// awscli/customizations/login writes it, and profile with its
// login_session in the AWS config file.
func (w *world) awsLoginCache(t *testing.T, profile string) (path, session string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rt, session := w.emu.NewSigninSession(&key.PublicKey, awsemu.SigninSameDeviceClient)
	der, _ := x509.MarshalECPrivateKey(key)
	cache, _ := json.Marshal(map[string]any{
		"accessToken": map[string]string{"accessKeyId": "ASIAOLDCONSOLE000000", "secretAccessKey": "old", "sessionToken": "old",
			"accountId": account, "expiresAt": "2020-01-01T00:00:00Z"},
		"tokenType": "aws_sigv4", "clientId": awsemu.SigninSameDeviceClient, "refreshToken": rt,
		"idToken": "eyJhbGciOiJFUzM4NCJ9.e30.c2ln",
		"dpopKey": string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})),
	})
	path, err = profiles.LoginCachePath(func(k string) string { return map[string]string{"HOME": w.home}[k] }, session)
	if err != nil {
		t.Fatal(err)
	}
	w.writeFile(path, string(cache))
	conf, err := os.ReadFile(w.awsConf)
	if err != nil {
		t.Fatal(err)
	}
	w.writeFile(w.awsConf, string(conf)+"\n[profile "+profile+"]\nlogin_session = "+session+"\nregion = us-east-1\n")
	return path, session
}
