package awsemu

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/logincreds"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// These tests check the emulator against a client nobody here wrote:
// aws-sdk-go-v2's logincreds provider refreshes console credentials from a
// cache file as the AWS CLI writes it, building its own DPoP proofs.

// writeLoginCache writes ~/.aws/login/cache/<sha256 of the session>.json
// under dir as `aws login` does, with console credentials that have
// already expired, so the first use refreshes.
func writeLoginCache(t *testing.T, dir, session, refreshToken string, key *ecdsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	token := map[string]any{
		"accessToken": map[string]string{
			"accessKeyId": "ASIAEXPIRED000000000", "secretAccessKey": "expired", "sessionToken": "expired",
			"accountId": "111122223333", "expiresAt": time.Now().Add(-time.Minute).UTC().Format("2006-01-02T15:04:05Z"),
		},
		"tokenType":    "aws_sigv4",
		"clientId":     SigninSameDeviceClient,
		"refreshToken": refreshToken,
		"idToken":      "unused.by.refresh",
		"dpopKey":      string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})),
	}
	b, err := json.Marshal(token)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(session))
	path := filepath.Join(dir, hex.EncodeToString(sum[:])+".json")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// shortCoordinateKey returns a P-256 key whose x coordinate has a leading
// zero byte, which logincreds encodes in 31 bytes.
func shortCoordinateKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	for range 100000 {
		k := newProofKey(t)
		if p, _ := k.PublicKey.Bytes(); p[1] == 0 {
			return k
		}
	}
	t.Fatal("no key with a short x coordinate found")
	return nil
}

func TestLogincredsProviderRefreshes(t *testing.T) {
	keys := map[string]func(*testing.T) *ecdsa.PrivateKey{"key": newProofKey, "key with short x": shortCoordinateKey}
	for name, newKey := range keys {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			f.emu.SetSigninUser(Key{UserName: "carol", Account: "111122223333"})
			key := newKey(t)
			rt, session := f.emu.NewSigninSession(&key.PublicKey, SigninSameDeviceClient)
			path := writeLoginCache(t, t.TempDir(), session, rt, key)
			client := signin.New(signin.Options{Region: "us-east-1", BaseEndpoint: aws.String(f.url), Retryer: aws.NopRetryer{}})
			p := logincreds.New(client, path)
			for i := range 3 {
				// each Retrieve of expired credentials refreshes with a fresh proof
				if i > 0 {
					expireCache(t, path)
				}
				creds, err := p.Retrieve(t.Context())
				if err != nil {
					t.Fatalf("Retrieve %d: %v", i, err)
				}
				id, err := f.client(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken).
					GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
				if err != nil {
					t.Fatalf("GetCallerIdentity with refreshed console credentials: %v", err)
				}
				if got := aws.ToString(id.Arn); got != "arn:aws:iam::111122223333:user/carol" {
					t.Errorf("got %s", got)
				}
			}
			if got := f.emu.Calls("signin:refresh_token"); got != 3 {
				t.Errorf("got %d refresh calls, want 3", got)
			}
			if got := f.emu.Rejections("signin:dpop"); got != 0 {
				t.Errorf("got %d DPoP rejections, want 0", got)
			}
		})
	}
}

// expireCache backdates the cached console credentials, as time would.
func expireCache(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tok map[string]any
	if err := json.Unmarshal(b, &tok); err != nil {
		t.Fatal(err)
	}
	tok["accessToken"].(map[string]any)["expiresAt"] = time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	b, _ = json.Marshal(tok)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestSharedConfigLoginSession goes through the SDK's whole chain: a
// profile with login_session, the cache directory and the Sign-In endpoint
// from the environment, and an expired login session reported as such.
func TestSharedConfigLoginSession(t *testing.T) {
	f := newFixture(t)
	key := newProofKey(t)
	rt, session := f.emu.NewSigninSession(&key.PublicKey, SigninSameDeviceClient)
	home := t.TempDir()
	cache := filepath.Join(home, ".aws", "login", "cache")
	writeLoginCache(t, cache, session, rt, key)
	cfgFile := filepath.Join(home, "config")
	if err := os.WriteFile(cfgFile, []byte("[profile console]\nlogin_session = "+session+"\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"HOME": home, "AWS_CONFIG_FILE": cfgFile, "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, "none"),
		"AWS_LOGIN_CACHE_DIRECTORY": cache, "AWS_ENDPOINT_URL": f.url, "AWS_ENDPOINT_URL_SIGNIN": f.url, "AWS_PROFILE": "",
		"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "",
	} {
		t.Setenv(k, v)
	}
	cfg, err := config.LoadDefaultConfig(t.Context(), config.WithSharedConfigProfile("console"))
	if err != nil {
		t.Fatal(err)
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity through login_session: %v", err)
	}
	if got := aws.ToString(id.Arn); got != session {
		t.Errorf("got %s, want the login session's user %s", got, session)
	}

	f.emu.ExpireSigninSessions()
	expireCache(t, mustCachePath(t, session, cache))
	cfg, err = config.LoadDefaultConfig(t.Context(), config.WithSharedConfigProfile("console"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = cfg.Credentials.Retrieve(t.Context())
	if err == nil || !strings.Contains(err.Error(), "login session has expired") {
		t.Fatalf("after the session ended: got %v, want logincreds' expired-session error", err)
	}
}

func mustCachePath(t *testing.T, session, dir string) string {
	t.Helper()
	p, err := logincreds.StandardCachedTokenFilepath(session, dir)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
