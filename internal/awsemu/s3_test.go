package awsemu

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

const bucket = "statebucket-spin-test"

// s3Client is an SDK S3 client using path-style addressing, as the tofu
// backend does with use_path_style, with retries off.
func (f *fixture) s3Client(id, secret, token string) *s3.Client {
	return s3.New(s3.Options{
		Region:       "eu-west-1",
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, token),
		BaseEndpoint: aws.String(f.url),
		UsePathStyle: true,
		Retryer:      aws.NopRetryer{},
	})
}

func (f *fixture) s3KeyClient(k Key) *s3.Client {
	return f.s3Client(k.AccessKeyID, k.SecretAccessKey, "")
}

// session assumes roleARN as alice and returns the session credentials.
func (f *fixture) session(t *testing.T, secs int32) aws.Credentials {
	t.Helper()
	out, err := f.keyClient(alice).AssumeRole(t.Context(), &sts.AssumeRoleInput{
		RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s3-test"), DurationSeconds: aws.Int32(secs),
	})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	c := out.Credentials
	return aws.Credentials{AccessKeyID: aws.ToString(c.AccessKeyId),
		SecretAccessKey: aws.ToString(c.SecretAccessKey), SessionToken: aws.ToString(c.SessionToken)}
}

func (f *fixture) sessionS3Client(t *testing.T) *s3.Client {
	t.Helper()
	c := f.session(t, 3600)
	return f.s3Client(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
}

// httpStatus returns the HTTP status of an SDK error, or 0.
func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func TestS3PutGetListDelete(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	if err := f.emu.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	c := f.sessionS3Client(t)
	objects := map[string]string{
		"env:/dev/stack.tfstate": `{"version": 4}`,
		"dir/a b+c=d&e~%.txt":    "needs escaping in the path",
	}
	for key, body := range objects {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader([]byte(body)),
		}); err != nil {
			t.Fatalf("PutObject %q: %v", key, err)
		}
	}
	for key, want := range objects {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("GetObject %q: %v", key, err)
		}
		got, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil || string(got) != want {
			t.Errorf("GetObject %q: got %q (%v), want %q", key, got, err, want)
		}
		if got, err := f.emu.Object(bucket, key); err != nil || string(got) != want {
			t.Errorf("Object %q: got %q (%v), want %q", key, got, err, want)
		}
		if len(out.Metadata) > 0 {
			t.Errorf("GetObject %q: got metadata %v, want none (signing headers are not metadata)", key, out.Metadata)
		}
	}

	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("env:/")})
	if err != nil {
		t.Fatalf("ListObjectsV2: %v", err)
	}
	if len(list.Contents) != 1 || aws.ToString(list.Contents[0].Key) != "env:/dev/stack.tfstate" {
		t.Errorf("ListObjectsV2 prefix env:/: got %d objects, want env:/dev/stack.tfstate", len(list.Contents))
	}

	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("env:/dev/stack.tfstate")}); err != nil {
		t.Fatalf("DeleteObject: %v", err)
	}
	_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("env:/dev/stack.tfstate")})
	if code := errorCode(t, err); code != "NotFound" || httpStatus(err) != 404 {
		t.Errorf("HeadObject after delete: got %q (%d), want NotFound (404)", code, httpStatus(err))
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("env:/dev/stack.tfstate")})
	if code := errorCode(t, err); code != "NoSuchKey" {
		t.Errorf("GetObject after delete: got %q, want NoSuchKey", code)
	}
	if _, err := f.emu.Object(bucket, "env:/dev/stack.tfstate"); !errors.Is(err, ErrNoSuchKey) {
		t.Errorf("Object after delete: got %v, want ErrNoSuchKey", err)
	}
	keys, err := f.emu.ObjectKeys(bucket)
	if want := []string{"dir/a b+c=d&e~%.txt"}; err != nil || !slices.Equal(keys, want) {
		t.Errorf("ObjectKeys: got %q (%v), want %q", keys, err, want)
	}

	for action, want := range map[string]int{"s3:PutObject": 2, "s3:GetObject": 2, "s3:ListObjectsV2": 1,
		"s3:DeleteObject": 1, "s3:HeadObject": 0, "AssumeRole": 1} {
		if got := f.emu.Calls(action); got != want {
			t.Errorf("Calls(%q): got %d, want %d", action, got, want)
		}
	}
	if got := f.emu.Rejections("NoSuchKey"); got != 1 {
		t.Errorf("Rejections(NoSuchKey): got %d, want 1", got)
	}
}

func TestS3AuthFailures(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	if err := f.emu.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	sess := f.session(t, 3600)
	short := f.session(t, 1)
	f.clock.Advance(2 * time.Second)
	tests := []struct {
		name   string
		client *s3.Client
		code   string
		status int
	}{
		{"session credentials", f.s3Client(sess.AccessKeyID, sess.SecretAccessKey, sess.SessionToken), "", 200},
		{"long-term key", f.s3KeyClient(alice), "", 200},
		{"expired session", f.s3Client(short.AccessKeyID, short.SecretAccessKey, short.SessionToken), "ExpiredToken", 400},
		{"wrong secret", f.s3Client(sess.AccessKeyID, "x"+sess.SecretAccessKey, sess.SessionToken), "SignatureDoesNotMatch", 403},
		{"wrong session token", f.s3Client(sess.AccessKeyID, sess.SecretAccessKey, short.SessionToken), "InvalidToken", 400},
		{"session without token", f.s3Client(sess.AccessKeyID, sess.SecretAccessKey, ""), "InvalidToken", 400},
		{"unknown key", f.s3Client("AKIAUNKNOWN000000000", alice.SecretAccessKey, ""), "InvalidAccessKeyId", 403},
		{"disabled key", f.s3KeyClient(bob), "InvalidAccessKeyId", 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.client.PutObject(ctx, &s3.PutObjectInput{
				Bucket: aws.String(bucket), Key: aws.String("k"), Body: bytes.NewReader([]byte("v")),
			})
			if code := errorCode(t, err); code != tt.code {
				t.Fatalf("PutObject: got %q (%v), want %q", code, err, tt.code)
			}
			if err != nil && httpStatus(err) != tt.status {
				t.Errorf("PutObject: got HTTP %d, want %d", httpStatus(err), tt.status)
			}
		})
	}
	if got := f.emu.Rejections("ExpiredToken"); got != 1 {
		t.Errorf("Rejections(ExpiredToken): got %d, want 1", got)
	}
}

func TestS3ConditionalPut(t *testing.T) {
	f := newFixture(t)
	if err := f.emu.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	c := f.sessionS3Client(t)
	put := func(body string) error {
		_, err := c.PutObject(t.Context(), &s3.PutObjectInput{
			Bucket: aws.String(bucket), Key: aws.String("stack.tfstate.tflock"),
			Body: bytes.NewReader([]byte(body)), IfNoneMatch: aws.String("*"),
		})
		return err
	}
	if err := put("first"); err != nil {
		t.Fatalf("first conditional PutObject: %v", err)
	}
	err := put("second")
	if code := errorCode(t, err); code != "PreconditionFailed" || httpStatus(err) != 412 {
		t.Fatalf("second conditional PutObject: got %q (HTTP %d), want PreconditionFailed (412)", code, httpStatus(err))
	}
	if got, _ := f.emu.Object(bucket, "stack.tfstate.tflock"); string(got) != "first" {
		t.Errorf("after the refused put: got %q, want %q", got, "first")
	}
	if got := f.emu.Calls("s3:PutObject"); got != 1 {
		t.Errorf("Calls(s3:PutObject): got %d, want 1", got)
	}
	if got := f.emu.Rejections("PreconditionFailed"); got != 1 {
		t.Errorf("Rejections(PreconditionFailed): got %d, want 1", got)
	}
}

func TestS3MissingBucket(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	c := f.sessionS3Client(t)
	_, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("no-such-bucket")})
	if code := errorCode(t, err); code != "NoSuchBucket" || httpStatus(err) != 404 {
		t.Errorf("ListObjectsV2: got %q (HTTP %d), want NoSuchBucket (404)", code, httpStatus(err))
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("no-such-bucket"), Key: aws.String("k"),
		Body: bytes.NewReader(nil)})
	if code := errorCode(t, err); code != "NoSuchBucket" {
		t.Errorf("PutObject: got %q, want NoSuchBucket", code)
	}
	if _, err := f.emu.Object("no-such-bucket", "k"); !errors.Is(err, ErrNoSuchBucket) {
		t.Errorf("Object: got %v, want ErrNoSuchBucket", err)
	}
	if _, err := f.emu.ObjectKeys("no-such-bucket"); !errors.Is(err, ErrNoSuchBucket) {
		t.Errorf("ObjectKeys: got %v, want ErrNoSuchBucket", err)
	}

	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("made-by-api")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("made-by-api")}); err != nil {
		t.Errorf("HeadBucket: %v", err)
	}
	if err := f.emu.CreateBucket("made-by-api"); err == nil {
		t.Error("CreateBucket of an existing bucket: got nil, want an error")
	}
	if err := f.emu.CreateBucket("Not_A_Bucket"); err == nil {
		t.Error("CreateBucket with an invalid name: got nil, want an error")
	}
}
