package awsemu

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// signinToken calls getSigninToken with c and returns the token, or the
// status and body of a refusal.
func (f *fixture) signinToken(t *testing.T, c *types.Credentials, extra url.Values) (string, int, string) {
	t.Helper()
	sess, _ := json.Marshal(map[string]string{"sessionId": aws.ToString(c.AccessKeyId),
		"sessionKey": aws.ToString(c.SecretAccessKey), "sessionToken": aws.ToString(c.SessionToken)})
	q := url.Values{"Action": {"getSigninToken"}, "Session": {string(sess)}}
	for k, v := range extra {
		q[k] = v
	}
	resp, err := http.Get(f.url + "/federation?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", resp.StatusCode, string(body)
	}
	var out struct{ SigninToken string }
	if err := json.Unmarshal(body, &out); err != nil || out.SigninToken == "" {
		t.Fatalf("getSigninToken: body %q: %v", body, err)
	}
	return out.SigninToken, resp.StatusCode, ""
}

func (f *fixture) consoleLogin(t *testing.T, token, dest string) (int, string) {
	t.Helper()
	q := url.Values{"Action": {"login"}, "SigninToken": {token}, "Destination": {dest}, "Issuer": {"https://example.com"}}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(f.url + "/federation?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

func TestFederationRoleSession(t *testing.T) {
	f := newFixture(t)
	ar, err := f.keyClient(alice).AssumeRole(t.Context(), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("spin-alice")})
	if err != nil {
		t.Fatal(err)
	}
	tok, status, body := f.signinToken(t, ar.Credentials, url.Values{"SessionDuration": {"7200"}})
	if status != http.StatusOK {
		t.Fatalf("getSigninToken: %d %s", status, body)
	}
	dest := "https://console.aws.amazon.com/s3/home?region=eu-west-1"
	if status, loc := f.consoleLogin(t, tok, dest); status != http.StatusFound || loc != dest {
		t.Fatalf("login: got %d to %q, want 302 to %q", status, loc, dest)
	}
	logins := f.emu.FederationLogins()
	if len(logins) != 1 || logins[0].Arn != "arn:aws:sts::444455556666:assumed-role/spin_role-examples/spin-alice" {
		t.Fatalf("got logins %+v, want one as the assumed role", logins)
	}
	if d := logins[0].ConsoleExpires.Sub(logins[0].At); d < 2*time.Hour-time.Second || d > 2*time.Hour {
		t.Errorf("got a console session of %v, want 2h", d)
	}
	if status, _ := f.consoleLogin(t, tok, "https://evil.example.com/"); status != http.StatusBadRequest {
		t.Errorf("login to a foreign Destination: got %d, want 400", status)
	}
	f.clock.Advance(16 * time.Minute)
	if status, _ := f.consoleLogin(t, tok, dest); status != http.StatusBadRequest {
		t.Errorf("login with a token older than 15 minutes: got %d, want 400", status)
	}
}

func TestFederationToken(t *testing.T) {
	f := newFixture(t)
	out, err := f.keyClient(alice).GetFederationToken(t.Context(), &sts.GetFederationTokenInput{Name: aws.String("alice-console"), DurationSeconds: aws.Int32(3600)})
	if err != nil {
		t.Fatalf("GetFederationToken: %v", err)
	}
	want := "arn:aws:sts::111122223333:federated-user/alice-console"
	if got := aws.ToString(out.FederatedUser.Arn); got != want {
		t.Errorf("got FederatedUser.Arn %q, want %q", got, want)
	}
	c := out.Credentials
	id, err := f.client(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != want || aws.ToString(id.UserId) != "111122223333:alice-console" {
		t.Fatalf("GetCallerIdentity as the federated user: %v %+v", err, id)
	}
	if _, status, _ := f.signinToken(t, c, url.Values{"SessionDuration": {"3600"}}); status != http.StatusBadRequest {
		t.Errorf("SessionDuration with federation credentials: got %d, want 400", status)
	}
	tok, status, body := f.signinToken(t, c, nil)
	if status != http.StatusOK {
		t.Fatalf("getSigninToken: %d %s", status, body)
	}
	if status, _ := f.consoleLogin(t, tok, "https://console.amazonaws.cn/console/home"); status != http.StatusFound {
		t.Fatalf("login: got %d, want 302", status)
	}
	if got := f.emu.FederationLogins(); len(got) != 1 || got[0].Arn != want {
		t.Fatalf("got %+v, want one login as %s", got, want)
	}

	// Session credentials cannot call it.
	_, err = f.client(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)).
		GetFederationToken(t.Context(), &sts.GetFederationTokenInput{Name: aws.String("again")})
	if got := errorCode(t, err); got != "AccessDenied" {
		t.Errorf("GetFederationToken with session credentials: got %v, want AccessDenied", err)
	}
}

func TestFederationRefusesBadSessions(t *testing.T) {
	f := newFixture(t)
	ar, err := f.keyClient(alice).AssumeRole(t.Context(), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("spin-alice"), DurationSeconds: aws.Int32(60)})
	if err != nil {
		t.Fatal(err)
	}
	good := ar.Credentials
	wrongKey := *good
	wrongKey.SecretAccessKey = aws.String("x" + aws.ToString(good.SecretAccessKey)[1:])
	longTerm := types.Credentials{AccessKeyId: aws.String(alice.AccessKeyID), SecretAccessKey: aws.String(alice.SecretAccessKey)}
	for name, c := range map[string]*types.Credentials{"wrong secret": &wrongKey, "long-term key": &longTerm} {
		if _, status, _ := f.signinToken(t, c, nil); status != http.StatusBadRequest {
			t.Errorf("%s: got %d, want 400", name, status)
		}
	}
	f.clock.Advance(2 * time.Minute)
	if _, status, _ := f.signinToken(t, good, nil); status != http.StatusBadRequest {
		t.Errorf("expired session: got %d, want 400", status)
	}
	if got := f.emu.FederationLogins(); len(got) != 0 {
		t.Errorf("got logins %+v, want none", got)
	}
}
