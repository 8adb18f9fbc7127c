package awsemu

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestAssumeRoleThenGetCallerIdentity(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	before := f.clock.Now()
	out, err := f.keyClient(alice).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String(roleARN), RoleSessionName: aws.String("spin-alice"),
	})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	c := out.Credentials
	if id := aws.ToString(c.AccessKeyId); len(id) != 20 || !strings.HasPrefix(id, "ASIA") || strings.ToUpper(id) != id {
		t.Errorf("got AccessKeyId %q, want ASIA + 16 upper-case characters", id)
	}
	if got := len(aws.ToString(c.SecretAccessKey)); got != 40 {
		t.Errorf("got secret of %d characters, want 40", got)
	}
	if got := len(aws.ToString(c.SessionToken)); got < 100 {
		t.Errorf("got session token of %d characters, want a long one", got)
	}
	if got, want := aws.ToTime(c.Expiration), before.Add(time.Hour); got.Before(want.Add(-time.Second)) || got.After(want.Add(2*time.Second)) {
		t.Errorf("got Expiration %v, want about %v", got, want)
	}
	wantARN := "arn:aws:sts::444455556666:assumed-role/spin_role-examples/spin-alice"
	if got := aws.ToString(out.AssumedRoleUser.Arn); got != wantARN {
		t.Errorf("got AssumedRoleUser.Arn %q, want %q", got, wantARN)
	}

	temp := f.client(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	id, err := temp.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity with assumed-role credentials: %v", err)
	}
	if got := aws.ToString(id.Arn); got != wantARN {
		t.Errorf("got Arn %q, want %q", got, wantARN)
	}
	if got := aws.ToString(id.Account); got != "444455556666" {
		t.Errorf("got Account %q, want 444455556666", got)
	}
	if got, want := aws.ToString(id.UserId), aws.ToString(out.AssumedRoleUser.AssumedRoleId); got != want || !strings.HasPrefix(got, "AROA") || !strings.HasSuffix(got, ":spin-alice") {
		t.Errorf("got UserId %q, want AROA...:spin-alice equal to AssumedRoleId %q", got, want)
	}

	id, err = f.keyClient(alice).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity with long-term key: %v", err)
	}
	if got, want := aws.ToString(id.Arn), "arn:aws:iam::111122223333:user/alice"; got != want {
		t.Errorf("got Arn %q, want %q", got, want)
	}
	if got := aws.ToString(id.UserId); !strings.HasPrefix(got, "AIDA") || len(got) != 21 {
		t.Errorf("got UserId %q, want AIDA + 17 characters", got)
	}
}

func TestAuthenticationFailures(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	out, err := f.keyClient(alice).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1"),
	})
	if err != nil {
		t.Fatal(err)
	}
	tid, tsecret, ttoken := aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken)
	tampered := ttoken[:len(ttoken)-5] + "AAAA="
	if tampered == ttoken {
		tampered = ttoken[:len(ttoken)-5] + "BBBB="
	}

	tests := []struct {
		name, id, secret, token, want string
	}{
		{"wrong secret", alice.AccessKeyID, alice.SecretAccessKey + "x", "", "SignatureDoesNotMatch"},
		{"unknown key", "AKIAUNKNOWN000000000", alice.SecretAccessKey, "", "InvalidClientTokenId"},
		{"disabled key", bob.AccessKeyID, bob.SecretAccessKey, "", "InvalidClientTokenId"},
		{"long-term key with a session token", alice.AccessKeyID, alice.SecretAccessKey, ttoken, "InvalidClientTokenId"},
		{"temporary key without token", tid, tsecret, "", "InvalidClientTokenId"},
		{"temporary key with tampered token", tid, tsecret, tampered, "InvalidClientTokenId"},
		{"temporary key with another session's secret", tid, alice.SecretAccessKey, ttoken, "SignatureDoesNotMatch"},
		{"temporary key and token, wrong secret", tid, tsecret[1:] + "x", ttoken, "SignatureDoesNotMatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.emu.Rejections(tt.want)
			_, err := f.client(tt.id, tt.secret, tt.token).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if got := errorCode(t, err); got != tt.want {
				t.Errorf("got error code %q (%v), want %q", got, err, tt.want)
			}
			if got := f.emu.Rejections(tt.want) - before; got != 1 {
				t.Errorf("got Rejections(%q) up by %d, want 1", tt.want, got)
			}
		})
	}
	if got := f.emu.Calls("GetCallerIdentity"); got != 0 {
		t.Errorf("got Calls(GetCallerIdentity) = %d after only failures, want 0", got)
	}

	// Re-enabling the key makes it work again.
	f.emu.SetKeyDisabled(bob.AccessKeyID, false)
	if _, err := f.keyClient(bob).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("after SetKeyDisabled(false): got %v, want success", err)
	}
}

func TestShortSessionExpires(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	out, err := f.keyClient(alice).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String(roleARN), RoleSessionName: aws.String("short"), DurationSeconds: aws.Int32(1),
	})
	if err != nil {
		t.Fatalf("AssumeRole with DurationSeconds=1: %v", err)
	}
	c := out.Credentials
	temp := f.client(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	if _, err := temp.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("GetCallerIdentity right after AssumeRole: %v", err)
	}
	f.clock.Advance(2 * time.Second)
	_, err = temp.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if got := errorCode(t, err); got != "ExpiredToken" {
		t.Fatalf("got %q (%v), want ExpiredToken", got, err)
	}
	if got, want := errorMessage(err), "The security token included in the request is expired"; got != want {
		t.Errorf("got message %q, want %q", got, want)
	}
	// Expired is reported even when the signing clock is far off, as AWS does.
	f.clock.Advance(time.Hour)
	if _, err := temp.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); errorCode(t, err) != "ExpiredToken" {
		t.Errorf("an hour later: got %v, want ExpiredToken", err)
	}
}

func TestClockSkew(t *testing.T) {
	tests := []struct {
		skew    time.Duration
		want    string // error code, "" for success
		message string
	}{
		{-16 * time.Minute, "SignatureDoesNotMatch", "Signature not yet current: "},
		{-14 * time.Minute, "", ""},
		{14 * time.Minute, "", ""},
		{16 * time.Minute, "SignatureDoesNotMatch", "Signature expired: "},
	}
	for _, tt := range tests {
		t.Run(tt.skew.String(), func(t *testing.T) {
			f := newFixture(t)
			f.clock.Advance(tt.skew) // the server's clock moves; the SDK signs with the real one
			_, err := f.keyClient(alice).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
			if got := errorCode(t, err); got != tt.want {
				t.Fatalf("got %q (%v), want %q", got, err, tt.want)
			}
			if got := errorMessage(err); tt.want != "" && (!strings.HasPrefix(got, tt.message) || !strings.HasSuffix(got, " 15 min.)")) {
				t.Errorf("got message %q, want one starting %q", got, tt.message)
			}
		})
	}
}

func TestThrottle(t *testing.T) {
	f := newFixture(t)
	f.emu.Throttle(3)
	for i := range 3 {
		_, err := f.keyClient(alice).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
		if got := errorCode(t, err); got != "Throttling" {
			t.Fatalf("call %d: got %q (%v), want Throttling", i+1, got, err)
		}
		if got := errorMessage(err); got != "Rate exceeded" {
			t.Errorf("call %d: got message %q, want %q", i+1, got, "Rate exceeded")
		}
	}
	if _, err := f.keyClient(alice).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("call 4: got %v, want success", err)
	}
	if got := f.emu.Rejections("Throttling"); got != 3 {
		t.Errorf("got Rejections(Throttling) = %d, want 3", got)
	}
	if got := f.emu.Calls("GetCallerIdentity"); got != 1 {
		t.Errorf("got Calls(GetCallerIdentity) = %d, want 1", got)
	}
}

func TestThrottleWithSDKRetries(t *testing.T) {
	f := newFixture(t)
	f.emu.Throttle(2)
	c := sts.New(sts.Options{
		Region: "eu-west-1", BaseEndpoint: aws.String(f.url),
		Credentials: f.keyClient(alice).Options().Credentials,
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		}),
	})
	if _, err := c.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("got %v, want the SDK to retry past two Throttling errors", err)
	}
	if got := f.emu.Rejections("Throttling"); got != 2 {
		t.Errorf("got Rejections(Throttling) = %d, want 2", got)
	}
}

func TestLatency(t *testing.T) {
	f := newFixture(t)
	f.emu.SetLatency(150 * time.Millisecond)
	start := time.Now()
	if _, err := f.keyClient(alice).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	if got := time.Since(start); got < 150*time.Millisecond {
		t.Errorf("got a response after %v, want at least 150ms", got)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, err := f.keyClient(alice).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err == nil {
		t.Errorf("got success within 20ms, want a deadline error")
	}
}

func TestCountersAndAssumeRoleCalls(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	for _, in := range []*sts.AssumeRoleInput{
		{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("first")},
		{RoleArn: aws.String("arn:aws:iam::444455556666:role/path/to/other"), RoleSessionName: aws.String("second@x.y"),
			DurationSeconds: aws.Int32(900), ExternalId: aws.String("ext-1")},
	} {
		if _, err := f.keyClient(alice).AssumeRole(ctx, in); err != nil {
			t.Fatalf("AssumeRole %s: %v", aws.ToString(in.RoleSessionName), err)
		}
	}
	_, _ = f.keyClient(alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:nope"), RoleSessionName: aws.String("bad")})

	want := []AssumeRoleCall{
		{RoleARN: roleARN, RoleSessionName: "first", DurationSeconds: 3600, SourceAccessKeyID: alice.AccessKeyID},
		{RoleARN: "arn:aws:iam::444455556666:role/path/to/other", RoleSessionName: "second@x.y", DurationSeconds: 900,
			ExternalID: "ext-1", SourceAccessKeyID: alice.AccessKeyID},
	}
	got := f.emu.AssumeRoleCalls()
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(AssumeRoleCall{}, "At")); diff != "" {
		t.Errorf("AssumeRoleCalls mismatch (-want +got):\n%s", diff)
	}
	for _, c := range got {
		if time.Since(c.At) > time.Minute {
			t.Errorf("got At %v, want about now", c.At)
		}
	}
	if g := f.emu.Calls("AssumeRole"); g != 2 {
		t.Errorf("got Calls(AssumeRole) = %d, want 2", g)
	}
	if g := f.emu.Rejections("ValidationError"); g != 1 {
		t.Errorf("got Rejections(ValidationError) = %d, want 1", g)
	}
	f.emu.ResetCounters()
	if g, r, n := f.emu.Calls("AssumeRole"), f.emu.Rejections("ValidationError"), len(f.emu.AssumeRoleCalls()); g+r+n != 0 {
		t.Errorf("after ResetCounters: got calls %d, rejections %d, recorded %d, want all 0", g, r, n)
	}
}
