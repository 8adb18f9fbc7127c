package console

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/cloudspin/spin/internal/awsemu"
	"github.com/cloudspin/spin/internal/secret"
)

func TestPartitionHostsAndDestination(t *testing.T) {
	tests := []struct{ partition, path, region, want string }{
		{"aws", "", "eu-west-1", "https://console.aws.amazon.com/console/home?region=eu-west-1"},
		{"aws", "/s3", "", "https://console.aws.amazon.com/s3"},
		{"aws", "ec2/home?region=us-east-2", "eu-west-1", "https://console.aws.amazon.com/ec2/home?region=us-east-2"},
		{"aws-cn", "/s3", "cn-north-1", "https://console.amazonaws.cn/s3?region=cn-north-1"},
		{"aws-us-gov", "", "", "https://console.amazonaws-us-gov.com/console/home"},
	}
	for _, tt := range tests {
		got, err := Destination(tt.partition, tt.path, tt.region)
		if err != nil || got != tt.want {
			t.Errorf("Destination(%q, %q, %q) = %q, %v; want %q", tt.partition, tt.path, tt.region, got, err, tt.want)
		}
	}
	// A path can never move the destination off the console.
	for _, p := range []string{"@evil.example.com/", "//evil.example.com/", "/..//evil.example.com"} {
		if got, err := Destination("aws", p, ""); err == nil && !strings.HasPrefix(got, "https://console.aws.amazon.com/") {
			t.Errorf("Destination(%q) = %q, off the console", p, got)
		}
	}
	for p, want := range map[string]string{"aws": "https://signin.aws.amazon.com/federation",
		"aws-cn": "https://signin.amazonaws.cn/federation", "aws-us-gov": "https://signin.amazonaws-us-gov.com/federation"} {
		if got := FederationEndpoint(p, ""); got != want {
			t.Errorf("FederationEndpoint(%s) = %q, want %q", p, got, want)
		}
	}
	if got := FederationEndpoint("aws", "http://127.0.0.1:1/"); got != "http://127.0.0.1:1/federation" {
		t.Errorf("override: got %q", got)
	}
}

func TestSigninURLAgainstTheEmulator(t *testing.T) {
	key := awsemu.Key{AccessKeyID: "AKIACONSOLETEST00001", SecretAccessKey: "consoleSecret000000000000000000000000000", UserName: "u"}
	emu := awsemu.New(awsemu.Options{Keys: []awsemu.Key{key}})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	c := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider(key.AccessKeyID, key.SecretAccessKey, "")})
	role := "arn:aws:iam::123456789012:role/admin"
	out, err := c.AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("console-test")})
	if err != nil {
		t.Fatal(err)
	}
	sess := Session{AccessKeyID: aws.ToString(out.Credentials.AccessKeyId),
		SecretAccessKey: secret.New(aws.ToString(out.Credentials.SecretAccessKey)), SessionToken: secret.New(aws.ToString(out.Credentials.SessionToken))}
	dest, _ := Destination("aws", "/s3", "eu-west-1")
	u, err := SigninURL(context.Background(), http.DefaultClient, Request{Endpoint: FederationEndpoint("aws", srv.URL), Session: sess,
		Destination: dest, Issuer: "spin", SessionDuration: 3600e9})
	if err != nil {
		t.Fatal(err)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(u.Reveal())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != dest {
		t.Fatalf("login: %d to %q, want 302 to %q", resp.StatusCode, resp.Header.Get("Location"), dest)
	}
	if l := emu.FederationLogins(); len(l) != 1 || l[0].Arn != "arn:aws:sts::123456789012:assumed-role/admin/console-test" {
		t.Fatalf("logins %+v", l)
	}

	// A wrong secret: a clear error that holds no credential.
	bad := sess
	bad.SecretAccessKey = secret.New("wrong" + sess.SecretAccessKey.Reveal())
	_, err = SigninURL(context.Background(), http.DefaultClient, Request{Endpoint: FederationEndpoint("aws", srv.URL), Session: bad, Destination: dest})
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("wrong secret: got %v, want a refusal", err)
	}
	for _, s := range []string{sess.SessionToken.Reveal(), url.QueryEscape(sess.SessionToken.Reveal()), sess.SecretAccessKey.Reveal()} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q carries a credential", err)
		}
	}
	// Unreachable endpoint: the error does not quote the URL with the session in it.
	_, err = SigninURL(context.Background(), http.DefaultClient, Request{Endpoint: "http://127.0.0.1:1/federation", Session: sess, Destination: dest})
	if err == nil || strings.Contains(err.Error(), "sessionToken") || strings.Contains(err.Error(), url.QueryEscape(sess.SessionToken.Reveal())) {
		t.Errorf("unreachable endpoint: %v", err)
	}
}
