package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/cloudspin/spin/internal/awsemu"
	"github.com/cloudspin/spin/profiles"
)

// Issue 12, test 6: a config and token cache as `aws sso login` leaves
// them become spin profiles that resolve without a new sign-in, and the
// cache file is gone. The cache file is written in the AWS CLI's format
// and first read by aws-sdk-go-v2's own SSO provider, so it is the file
// SDKs use, not one shaped after spin's reader.
func TestSSOImportFromAWSCLICache(t *testing.T) {
	w := newWorld(t, worldOptions{profiles: "  {}\n"})
	w.emu.ConfigureSSO(awsemu.SSOConfig{StartURL: ssoStartURL, User: ssoUser,
		Accounts: []awsemu.SSOAccount{{ID: ssoAccount, Name: "dev", Roles: []string{"Developer"}}}})
	w.writeFile(w.config, fmt.Sprintf("keyring:\n  backend: secret-service\ndefaults:\n  region: eu-west-1\nendpoints:\n  sts: %s\n  sso: %s\n  sso_oidc: %s\n", w.url, w.url, w.url))
	w.writeFile(w.awsConf, fmt.Sprintf("[sso-session my-sso]\nsso_start_url = %s\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n\n"+
		"[profile imp-dev]\nsso_session = my-sso\nsso_account_id = %s\nsso_role_name = Developer\nregion = eu-west-1\n", ssoStartURL, ssoAccount))
	t.Cleanup(func() { _, _, _ = w.try("", "logout", "my-sso") })

	// `aws sso login`: register, device authorization approved in the
	// browser, token; cached as the CLI caches it.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	oidc := ssooidc.New(ssooidc.Options{Region: "us-east-1", BaseEndpoint: aws.String(w.url), Retryer: aws.NopRetryer{}})
	reg, err := oidc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("botocore-client-my-sso"), ClientType: aws.String("public"),
		GrantTypes: []string{"urn:ietf:params:oauth:grant-type:device_code", "refresh_token"}, Scopes: []string{"sso:account:access"}})
	if err != nil {
		t.Fatal(err)
	}
	dev, err := oidc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(ssoStartURL)})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.emu.ApproveDevice(aws.ToString(dev.UserCode)); err != nil {
		t.Fatal(err)
	}
	tok, err := oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: dev.DeviceCode})
	if err != nil {
		t.Fatal(err)
	}
	cache, err := profiles.SSOCachePath(func(k string) string { return map[string]string{"HOME": w.home}[k] }, "my-sso")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(map[string]string{
		"startUrl": ssoStartURL, "region": "us-east-1",
		"accessToken": aws.ToString(tok.AccessToken), "refreshToken": aws.ToString(tok.RefreshToken),
		"expiresAt": time.Now().Add(time.Duration(tok.ExpiresIn) * time.Second).UTC().Format(time.RFC3339),
		"clientId":  aws.ToString(reg.ClientId), "clientSecret": aws.ToString(reg.ClientSecret),
		"registrationExpiresAt": time.Unix(reg.ClientSecretExpiresAt, 0).UTC().Format(time.RFC3339),
	})
	if err := os.MkdirAll(filepath.Dir(cache), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cache, data, 0o600); err != nil {
		t.Fatal(err)
	}
	// aws-sdk-go-v2's own SSO provider signs in with that file.
	w.env = append(w.env, "AWS_ENDPOINT_URL_SSO="+w.url)
	if got := w.sdkIdentity(t, "imp-dev"); got != wantSSOARN("Developer") {
		t.Fatalf("aws-sdk-go-v2 with the AWS CLI's cache: Arn %q, want %q", got, wantSSOARN("Developer"))
	}

	w.emu.ResetCounters()
	out := w.run("", "profiles", "import")
	for _, want := range []string{"added source my-sso", "imported profile imp-dev (sso source my-sso", "moved the AWS CLI's token for source my-sso into the keyring and removed " + cache} {
		if !strings.Contains(out, want) {
			t.Errorf("spin profiles import output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(cache); !os.IsNotExist(err) {
		t.Errorf("the AWS CLI's token cache file is still there: %v", err)
	}
	// Through credential_process now, without a new sign-in.
	if got := w.awsCLIIdentity(t, "imp-dev"); got != wantSSOARN("Developer") {
		t.Errorf("aws cli after the import: Arn %q, want %q", got, wantSSOARN("Developer"))
	}
	if n := w.emu.Calls("sso-oidc:StartDeviceAuthorization") + w.emu.Calls("sso-oidc:CreateToken/authorization_code") + w.emu.Calls("sso-oidc:RegisterClient"); n != 0 {
		t.Errorf("the import signed in again (%d sign-in calls)", n)
	}
	if n := w.emu.Calls("sso-oidc:CreateToken/refresh_token"); n != 1 {
		t.Errorf("refreshes = %d, want the import's one check", n)
	}
	for _, s := range w.emu.IssuedSSOSecrets() {
		if hits := filesContaining(t, w.home, s); len(hits) > 0 {
			t.Errorf("an SSO token or client secret is still in files under HOME: %v", hits)
		}
	}
	aws, _ := os.ReadFile(w.awsConf)
	if !strings.Contains(string(aws), "[profile imp-dev]\n"+profiles.Marker) {
		t.Errorf("imp-dev is not spin's in the AWS config:\n%s", aws)
	}
}
