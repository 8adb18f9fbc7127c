package awsemu

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/google/go-cmp/cmp"
)

func tag(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }

// The SDK's own serializer and deserializer: what a real client sends is
// what the emulator records, and the SourceIdentity it echoes is parsed.
func TestAssumeRoleRecordsSourceIdentityAndTags(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	out, err := f.keyClient(alice).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String(roleARN), RoleSessionName: aws.String("spin-alice"),
		SourceIdentity:    aws.String("alice@example.com"),
		Tags:              []types.Tag{tag("team", "infra"), tag("cost-center", "42")},
		TransitiveTagKeys: []string{"team"},
	})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	if got := aws.ToString(out.SourceIdentity); got != "alice@example.com" {
		t.Errorf("SourceIdentity echoed %q, want alice@example.com", got)
	}
	id := aws.ToString(out.Credentials.AccessKeyId)
	got, ok := f.emu.Session(id)
	if !ok {
		t.Fatalf("Session(%s) not found", id)
	}
	want := SessionInfo{
		RoleARN:        "arn:aws:sts::444455556666:assumed-role/spin_role-examples/spin-alice",
		SourceIdentity: "alice@example.com", Tags: map[string]string{"team": "infra", "cost-center": "42"},
		TransitiveTagKeys: []string{"team"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Session (-want +got):\n%s", d)
	}
	calls := f.emu.AssumeRoleCalls()
	if len(calls) != 1 || calls[0].SourceIdentity != "alice@example.com" || calls[0].Tags["team"] != "infra" {
		t.Errorf("AssumeRoleCalls = %+v, want the source identity and tags", calls)
	}

	// A chained session keeps the source identity and the transitive tag,
	// and may not change either.
	temp := f.client(id, aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken))
	out2, err := temp.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("chained")})
	if err != nil {
		t.Fatalf("chained AssumeRole: %v", err)
	}
	if got := aws.ToString(out2.SourceIdentity); got != "alice@example.com" {
		t.Errorf("chained session's SourceIdentity %q, want the caller's", got)
	}
	chained, _ := f.emu.Session(aws.ToString(out2.Credentials.AccessKeyId))
	if d := cmp.Diff(map[string]string{"team": "infra"}, chained.Tags); d != "" {
		t.Errorf("chained session's tags (-want +got):\n%s", d)
	}
	_, err = temp.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("chained"),
		SourceIdentity: aws.String("mallory")})
	if code := errorCode(t, err); code != "AccessDenied" {
		t.Errorf("changing the source identity: got %q (%v), want AccessDenied", code, err)
	}
	_, err = temp.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("chained"),
		Tags: []types.Tag{tag("Team", "other")}})
	if code := errorCode(t, err); code != "InvalidParameterValue" {
		t.Errorf("overriding a transitive tag: got %q (%v), want InvalidParameterValue", code, err)
	}
}

func TestAssumeRoleRefusesBadAttribution(t *testing.T) {
	f := newFixture(t)
	many := make([]types.Tag, 51)
	for i := range many {
		many[i] = tag(fmt.Sprintf("k%d", i), "v")
	}
	for _, tc := range []struct {
		name     string
		in       sts.AssumeRoleInput
		code     string
		contains string
	}{
		{"source identity too short", sts.AssumeRoleInput{SourceIdentity: aws.String("a")}, "ValidationError", "sourceIdentity"},
		{"source identity too long", sts.AssumeRoleInput{SourceIdentity: aws.String(strings.Repeat("a", 65))}, "ValidationError", "less than or equal to 64"},
		{"source identity with a space", sts.AssumeRoleInput{SourceIdentity: aws.String("alice smith")}, "ValidationError", "regular expression"},
		{"51 tags", sts.AssumeRoleInput{Tags: many}, "ValidationError", "less than or equal to 50"},
		{"duplicate keys differing in case", sts.AssumeRoleInput{Tags: []types.Tag{tag("team", "a"), tag("TEAM", "b")}}, "InvalidParameterValue", "case insensitive"},
		{"key too long", sts.AssumeRoleInput{Tags: []types.Tag{tag(strings.Repeat("k", 129), "v")}}, "ValidationError", "128"},
		{"value with a bad character", sts.AssumeRoleInput{Tags: []types.Tag{tag("k", "a;b")}}, "ValidationError", "regular expression"},
		{"reserved prefix", sts.AssumeRoleInput{Tags: []types.Tag{tag("aws:team", "a")}}, "InvalidParameterValue", "aws:"},
		{"transitive key not among the tags", sts.AssumeRoleInput{Tags: []types.Tag{tag("team", "a")}, TransitiveTagKeys: []string{"project"}}, "InvalidParameterValue", "project"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.RoleArn, in.RoleSessionName = aws.String(roleARN), aws.String("s1")
			_, err := f.keyClient(alice).AssumeRole(t.Context(), &in)
			if code := errorCode(t, err); code != tc.code || !strings.Contains(errorMessage(err), tc.contains) {
				t.Errorf("got %q %q, want %s mentioning %q", code, errorMessage(err), tc.code, tc.contains)
			}
		})
	}
	if n := len(f.emu.AssumeRoleCalls()); n != 0 {
		t.Errorf("%d refused calls were recorded", n)
	}
}
