package awsemu

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// iamClient is aws-sdk-go-v2's own IAM client against the emulator.
func (f *fixture) iamClient(id, secret, token string) *iam.Client {
	return iam.New(iam.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, token),
		BaseEndpoint: aws.String(f.url),
		Retryer:      aws.NopRetryer{},
	})
}

func TestIAMAccessKeyLifecycle(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	c := f.iamClient(alice.AccessKeyID, alice.SecretAccessKey, "")

	list, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
	if err != nil {
		t.Fatalf("ListAccessKeys: %v", err)
	}
	if len(list.AccessKeyMetadata) != 1 || aws.ToString(list.AccessKeyMetadata[0].AccessKeyId) != alice.AccessKeyID ||
		list.AccessKeyMetadata[0].Status != types.StatusTypeActive || list.AccessKeyMetadata[0].CreateDate == nil {
		t.Fatalf("got keys %+v, want alice's one active key with a CreateDate", list.AccessKeyMetadata)
	}

	out, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
	if err != nil {
		t.Fatalf("CreateAccessKey: %v", err)
	}
	nk := out.AccessKey
	if id := aws.ToString(nk.AccessKeyId); len(id) != 20 || !strings.HasPrefix(id, "AKIA") {
		t.Errorf("got new key id %q, want AKIA + 16", id)
	}
	if got := aws.ToString(nk.UserName); got != "alice" {
		t.Errorf("got UserName %q, want alice", got)
	}
	if len(aws.ToString(nk.SecretAccessKey)) != 40 || nk.Status != types.StatusTypeActive {
		t.Errorf("got secret of %d characters and status %s, want 40 and Active", len(aws.ToString(nk.SecretAccessKey)), nk.Status)
	}
	// The new key works at once for STS (no delay set).
	if _, err := f.client(aws.ToString(nk.AccessKeyId), aws.ToString(nk.SecretAccessKey), "").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("GetCallerIdentity with the new key: %v", err)
	}

	// A third key breaks IAM's quota of two.
	_, err = c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
	if got := errorCode(t, err); got != "LimitExceeded" {
		t.Fatalf("third CreateAccessKey: got %v, want LimitExceeded", err)
	}

	// Inactive keys are refused by STS; active again, they work.
	newC := f.iamClient(aws.ToString(nk.AccessKeyId), aws.ToString(nk.SecretAccessKey), "")
	if _, err := newC.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{AccessKeyId: aws.String(alice.AccessKeyID), Status: types.StatusTypeInactive}); err != nil {
		t.Fatalf("UpdateAccessKey Inactive: %v", err)
	}
	if _, err := f.keyClient(alice).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); errorCode(t, err) != "InvalidClientTokenId" {
		t.Fatalf("STS with an inactive key: got %v, want InvalidClientTokenId", err)
	}
	list, err = newC.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.AccessKeyMetadata) != 2 || list.AccessKeyMetadata[0].Status != types.StatusTypeInactive {
		t.Fatalf("got %+v, want two keys, the old one Inactive", list.AccessKeyMetadata)
	}

	// Deleted keys are gone for IAM and STS.
	if _, err := newC.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(alice.AccessKeyID)}); err != nil {
		t.Fatalf("DeleteAccessKey: %v", err)
	}
	if _, err := newC.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(alice.AccessKeyID)}); errorCode(t, err) != "NoSuchEntity" {
		t.Fatalf("second DeleteAccessKey: got %v, want NoSuchEntity", err)
	}
	if got := f.emu.AccessKeys(alice.Account, "alice"); len(got) != 1 || got[0].AccessKeyID != aws.ToString(nk.AccessKeyId) {
		t.Fatalf("got keys %v, want only the new one", got)
	}
	// The new key inherits the user's MFA device.
	if got := f.emu.AccessKeys(alice.Account, "alice")[0].MFASerial; got != alice.MFASerial {
		t.Errorf("got MFA serial %q on the new key, want %q", got, alice.MFASerial)
	}
}

func TestIAMSessionsSurviveKeyDeletion(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	ar, err := f.keyClient(alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("rotation-test")})
	if err != nil {
		t.Fatal(err)
	}
	c := f.iamClient(alice.AccessKeyID, alice.SecretAccessKey, "")
	if _, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(alice.AccessKeyID)}); err != nil {
		t.Fatal(err)
	}
	cr := ar.Credentials
	if _, err := f.client(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("a session issued before the key was deleted: %v", err)
	}
	if _, err := f.keyClient(alice).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); errorCode(t, err) != "InvalidClientTokenId" {
		t.Fatalf("deleted key: got %v, want InvalidClientTokenId", err)
	}
}

func TestIAMKeyDelay(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.emu.SetIAMKeyDelay(10 * time.Second)
	out, err := f.iamClient(alice.AccessKeyID, alice.SecretAccessKey, "").CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	nc := f.client(aws.ToString(out.AccessKey.AccessKeyId), aws.ToString(out.AccessKey.SecretAccessKey), "")
	if _, err := nc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); errorCode(t, err) != "InvalidClientTokenId" {
		t.Fatalf("a key younger than the delay: got %v, want InvalidClientTokenId", err)
	}
	f.clock.Advance(11 * time.Second)
	if _, err := nc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("after the delay: %v", err)
	}
}

func TestIAMRefusals(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	tests := []struct {
		name string
		call func(context.Context) error
		want string
	}{
		{"signed for another region", func(ctx context.Context) error {
			c := iam.New(iam.Options{Region: "eu-west-1", BaseEndpoint: aws.String(f.url), Retryer: aws.NopRetryer{},
				Credentials: credentials.NewStaticCredentialsProvider(alice.AccessKeyID, alice.SecretAccessKey, "")})
			_, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
			return err
		}, "SignatureDoesNotMatch"},
		{"wrong secret", func(ctx context.Context) error {
			_, err := f.iamClient(alice.AccessKeyID, root.SecretAccessKey, "").ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
			return err
		}, "SignatureDoesNotMatch"},
		{"disabled key", func(ctx context.Context) error {
			_, err := f.iamClient(bob.AccessKeyID, bob.SecretAccessKey, "").CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
			return err
		}, "InvalidClientTokenId"},
		{"another user's keys", func(ctx context.Context) error {
			_, err := f.iamClient(alice.AccessKeyID, alice.SecretAccessKey, "").DeleteAccessKey(ctx,
				&iam.DeleteAccessKeyInput{UserName: aws.String("bob"), AccessKeyId: aws.String(bob.AccessKeyID)})
			return err
		}, "AccessDenied"},
		{"unknown key", func(ctx context.Context) error {
			_, err := f.iamClient(alice.AccessKeyID, alice.SecretAccessKey, "").UpdateAccessKey(ctx,
				&iam.UpdateAccessKeyInput{AccessKeyId: aws.String("AKIAUNKNOWN000000000"), Status: types.StatusTypeInactive})
			return err
		}, "NoSuchEntity"},
		{"role session without UserName", func(ctx context.Context) error {
			ar, err := f.keyClient(alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("rotation-test")})
			if err != nil {
				return err
			}
			cr := ar.Credentials
			_, err = f.iamClient(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken)).
				ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
			return err
		}, "ValidationError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errorCode(t, tt.call(ctx)); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestIAMAWSCLI checks the emulator against botocore's IAM client.
func TestIAMAWSCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the AWS CLI; skipped with -short")
	}
	if _, err := os.Stat(awsCLI); err != nil {
		t.Skipf("%s not installed", awsCLI)
	}
	f := newFixture(t)
	home := t.TempDir()
	run := func(args ...string) (string, error) {
		cmd := exec.CommandContext(t.Context(), awsCLI, append(args, "--endpoint-url", f.url, "--output", "json")...)
		cmd.Env = []string{"HOME=" + home, "PATH=/usr/bin:/bin", "LANG=C.UTF-8",
			"AWS_CONFIG_FILE=" + filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none"),
			"AWS_ACCESS_KEY_ID=" + alice.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + alice.SecretAccessKey,
			"AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER="}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("iam", "create-access-key")
	if err != nil || !strings.Contains(out, `"UserName": "alice"`) || !strings.Contains(out, `"SecretAccessKey"`) {
		t.Fatalf("aws iam create-access-key: %v\n%s", err, out)
	}
	out, err = run("iam", "list-access-keys")
	if err != nil || strings.Count(out, `"AccessKeyId"`) != 2 || !strings.Contains(out, `"CreateDate"`) {
		t.Fatalf("aws iam list-access-keys: %v\n%s", err, out)
	}
	out, err = run("iam", "create-access-key")
	if err == nil || !strings.Contains(out, "LimitExceeded") {
		t.Fatalf("third key: got %v\n%s, want LimitExceeded", err, out)
	}
	if out, err := run("iam", "update-access-key", "--access-key-id", alice.AccessKeyID, "--status", "Inactive"); err != nil {
		t.Fatalf("aws iam update-access-key: %v\n%s", err, out)
	}
	if got := f.emu.AccessKeys(alice.Account, "alice"); !got[0].Disabled {
		t.Errorf("got %v, want alice's first key inactive", got)
	}
}

// IAM takes GetSessionToken credentials only when they were made with MFA.
func TestIAMWantsMFASessions(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	plain := Key{AccessKeyID: "AKIACAROL00000000004", SecretAccessKey: "carolSecret00000000000000000000000000000", UserName: "carol", Account: alice.Account}
	f.emu.AddKey(plain)
	gst, err := f.keyClient(plain).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	c := gst.Credentials
	_, err = f.iamClient(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)).ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
	if got := errorCode(t, err); got != "InvalidClientTokenId" {
		t.Errorf("IAM with a session made without MFA: got %v, want InvalidClientTokenId", err)
	}
	code, err := TOTP(mfaSecret, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	gst, err = f.keyClient(alice).GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(alice.MFASerial), TokenCode: aws.String(code)})
	if err != nil {
		t.Fatal(err)
	}
	c = gst.Credentials
	out, err := f.iamClient(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)).CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
	if err != nil || aws.ToString(out.AccessKey.UserName) != "alice" {
		t.Fatalf("IAM with an MFA session: %v", err)
	}
}
