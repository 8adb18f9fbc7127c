package awsemu

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func totpAtOffset(t *testing.T, f *fixture, steps int) string {
	t.Helper()
	code, err := TOTP(mfaSecret, f.clock.Now().Add(time.Duration(steps)*totpStep))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func TestGetSessionTokenMFA(t *testing.T) {
	tests := []struct {
		name   string
		serial string
		code   func(t *testing.T, f *fixture) string
		want   string // error code, "" for success
	}{
		{"no MFA", "", func(*testing.T, *fixture) string { return "" }, ""},
		{"current code", alice.MFASerial, func(t *testing.T, f *fixture) string { return totpAtOffset(t, f, 0) }, ""},
		{"previous step", alice.MFASerial, func(t *testing.T, f *fixture) string { return totpAtOffset(t, f, -1) }, ""},
		{"next step", alice.MFASerial, func(t *testing.T, f *fixture) string { return totpAtOffset(t, f, 1) }, ""},
		{"two steps old", alice.MFASerial, func(t *testing.T, f *fixture) string { return totpAtOffset(t, f, -2) }, "AccessDenied"},
		{"wrong code", alice.MFASerial, func(t *testing.T, f *fixture) string { return wrongCode(totpAtOffset(t, f, 0)) }, "AccessDenied"},
		{"wrong serial", "arn:aws:iam::111122223333:mfa/mallory", func(t *testing.T, f *fixture) string { return totpAtOffset(t, f, 0) }, "AccessDenied"},
		{"code without serial", "", func(t *testing.T, f *fixture) string { return totpAtOffset(t, f, 0) }, "AccessDenied"},
		{"serial without code", alice.MFASerial, func(*testing.T, *fixture) string { return "" }, "AccessDenied"},
		{"five digits", alice.MFASerial, func(*testing.T, *fixture) string { return "12345" }, "ValidationError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			// Stay clear of step boundaries so the case means what it says.
			if s := f.clock.Now().Unix() % 30; s < 2 || s > 27 {
				f.clock.Advance(5 * time.Second)
			}
			in := &sts.GetSessionTokenInput{}
			if tt.serial != "" {
				in.SerialNumber = aws.String(tt.serial)
			}
			if c := tt.code(t, f); c != "" {
				in.TokenCode = aws.String(c)
			}
			out, err := f.keyClient(alice).GetSessionToken(t.Context(), in)
			if got := errorCode(t, err); got != tt.want {
				t.Fatalf("got %q (%v), want %q", got, err, tt.want)
			}
			if tt.want == "AccessDenied" && !strings.HasPrefix(errorMessage(err), "MultiFactorAuthentication failed") {
				t.Errorf("got message %q, want MultiFactorAuthentication failed...", errorMessage(err))
			}
			if err == nil {
				exp := aws.ToTime(out.Credentials.Expiration)
				if d := exp.Sub(f.clock.Now()); d < 11*time.Hour || d > 13*time.Hour {
					t.Errorf("got Expiration %v from now, want the 12h default", d)
				}
			}
		})
	}
}

func wrongCode(c string) string {
	b := []byte(c)
	b[0] = '0' + (b[0]-'0'+5)%10
	return string(b)
}

func TestSessionTokenCredentials(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	out, err := f.keyClient(alice).GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	sess := f.client(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))

	id, err := sess.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(id.Arn), "arn:aws:iam::111122223333:user/alice"; got != want {
		t.Errorf("GetCallerIdentity with session credentials: got %q, want %q", got, want)
	}
	if _, err := sess.GetSessionToken(ctx, &sts.GetSessionTokenInput{}); errorCode(t, err) != "AccessDenied" {
		t.Errorf("GetSessionToken with session credentials: got %v, want AccessDenied", err)
	}

	// MFA on AssumeRole is checked against the user behind the session.
	ar, err := sess.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String(roleARN), RoleSessionName: aws.String("via-session"),
		SerialNumber: aws.String(alice.MFASerial), TokenCode: aws.String(totpAtOffset(t, f, 0)),
	})
	if err != nil {
		t.Fatalf("AssumeRole with GetSessionToken credentials and MFA: %v", err)
	}
	calls := f.emu.AssumeRoleCalls()
	if len(calls) != 1 || calls[0].SourceAccessKeyID != aws.ToString(c.AccessKeyId) {
		t.Errorf("got AssumeRoleCalls %+v, want one signed by %s", calls, aws.ToString(c.AccessKeyId))
	}

	// Role chaining is capped at one hour, as in AWS.
	role := f.client(aws.ToString(ar.Credentials.AccessKeyId), aws.ToString(ar.Credentials.SecretAccessKey), aws.ToString(ar.Credentials.SessionToken))
	for _, tt := range []struct {
		secs int32
		want string
	}{{3600, ""}, {3601, "ValidationError"}} {
		_, err := role.AssumeRole(ctx, &sts.AssumeRoleInput{
			RoleArn: aws.String(roleARN), RoleSessionName: aws.String("chained"), DurationSeconds: aws.Int32(tt.secs),
		})
		if got := errorCode(t, err); got != tt.want {
			t.Errorf("chained AssumeRole for %ds: got %q (%v), want %q", tt.secs, got, err, tt.want)
		}
	}
}

func TestRootKey(t *testing.T) {
	f := newFixture(t)
	id, err := f.keyClient(root).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(id.Arn), "arn:aws:iam::"+DefaultAccount+":root"; got != want {
		t.Errorf("got Arn %q, want %q", got, want)
	}
	_, err = f.keyClient(root).AssumeRole(t.Context(), &sts.AssumeRoleInput{
		RoleArn: aws.String(roleARN), RoleSessionName: aws.String("root"),
	})
	if got := errorCode(t, err); got != "AccessDenied" {
		t.Errorf("AssumeRole with a root key: got %q (%v), want AccessDenied", got, err)
	}
}

func TestAssumeRoleValidation(t *testing.T) {
	f := newFixture(t)
	long := strings.Repeat("a", 65)
	tests := []struct {
		name string
		in   sts.AssumeRoleInput
		want string
	}{
		{"not an ARN", sts.AssumeRoleInput{RoleArn: aws.String("spin_role-examples-account"), RoleSessionName: aws.String("ok")}, "ValidationError"},
		{"user ARN", sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::444455556666:user/alice"), RoleSessionName: aws.String("ok")}, "ValidationError"},
		{"short account", sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::4444:role/x-role-name"), RoleSessionName: aws.String("ok")}, "ValidationError"},
		{"session name too short", sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("a")}, "ValidationError"},
		{"session name too long", sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String(long)}, "ValidationError"},
		{"session name with space", sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("a b")}, "ValidationError"},
		{"session name with slash", sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("a/b")}, "ValidationError"},
		{"duration too long", sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("ok"), DurationSeconds: aws.Int32(43201)}, "ValidationError"},
		{"duration zero", sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("ok"), DurationSeconds: aws.Int32(0)}, "ValidationError"},
		{"external id with space", sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("ok"), ExternalId: aws.String("a b")}, "ValidationError"},
		{"wrong MFA", sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("ok"), SerialNumber: aws.String(alice.MFASerial), TokenCode: aws.String("000000")}, "AccessDenied"},
		{"longest duration", sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("ok"), DurationSeconds: aws.Int32(43200)}, ""},
		{"all session name characters", sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("a_Z9+=,.@-")}, ""},
		{"role path", sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::444455556666:role/a/b/name"), RoleSessionName: aws.String("ok")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.keyClient(alice).AssumeRole(t.Context(), &tt.in)
			if got := errorCode(t, err); got != tt.want {
				t.Errorf("got %q (%v), want %q", got, err, tt.want)
			}
		})
	}
}

func TestPresignedGetCallerIdentity(t *testing.T) {
	f := newFixture(t)
	p, err := sts.NewPresignClient(f.keyClient(alice)).PresignGetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	status, code, body := send(t, p.Method, p.URL, "", p.SignedHeader)
	if status != 200 || !strings.Contains(body, "<Arn>arn:aws:iam::111122223333:user/alice</Arn>") {
		t.Fatalf("presigned URL: got %d %s %s, want 200 with alice's ARN", status, code, body)
	}
	tampered := strings.Replace(p.URL, "Action=GetCallerIdentity", "Action=GetSessionToken", 1)
	if _, code, _ := send(t, p.Method, tampered, "", p.SignedHeader); code != "SignatureDoesNotMatch" {
		t.Errorf("tampered presigned URL: got %q, want SignatureDoesNotMatch", code)
	}
}

func TestLogsHoldNoSecrets(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	out, err := f.keyClient(alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("logs")})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	_, _ = f.client(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)).GetCallerIdentity(ctx, nil)
	_, _ = f.client(aws.ToString(c.AccessKeyId), "wrong", aws.ToString(c.SessionToken)+"x").GetCallerIdentity(ctx, nil)
	logs := f.logs.String()
	if !strings.Contains(logs, aws.ToString(c.AccessKeyId)) || !strings.Contains(logs, "AssumeRole") {
		t.Errorf("logs lack the key id or action:\n%s", logs)
	}
	for _, s := range []string{alice.SecretAccessKey, aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)[:40]} {
		if strings.Contains(logs, s) {
			t.Errorf("logs contain a secret %.6s...:\n%s", s, logs)
		}
	}
}
