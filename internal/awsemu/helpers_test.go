package awsemu

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// mfaSecret is RFC 6238's test key "12345678901234567890" in base32.
const mfaSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

var (
	alice = Key{
		AccessKeyID: "AKIAALICE00000000001", SecretAccessKey: "aliceSecret0000000000000000000000000000/+",
		UserName: "alice", Account: "111122223333",
		MFASerial: "arn:aws:iam::111122223333:mfa/alice", MFASecret: mfaSecret,
	}
	bob = Key{
		AccessKeyID: "AKIABOB0000000000002", SecretAccessKey: "bobSecret000000000000000000000000000000000",
		UserName: "bob", Account: "111122223333", Disabled: true,
	}
	root = Key{AccessKeyID: "AKIAROOT000000000003", SecretAccessKey: "rootSecret00000000000000000000000000000000"}
)

const roleARN = "arn:aws:iam::444455556666:role/spin_role-examples"

// testClock runs at real speed from an adjustable offset, because the SDK
// signs with the real clock while the emulator checks with this one.
type testClock struct{ off atomic.Int64 }

func (c *testClock) Now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *testClock) Advance(d time.Duration) { c.off.Add(int64(d)) }

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type fixture struct {
	emu   *Emulator
	clock *testClock
	url   string
	logs  *syncBuffer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{clock: &testClock{}, logs: &syncBuffer{}}
	f.emu = New(Options{
		Keys:   []Key{alice, bob, root},
		Now:    f.clock.Now,
		Logger: slog.New(slog.NewTextHandler(f.logs, nil)),
	})
	srv := httptest.NewServer(f.emu)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

// client is an SDK STS client with retries off, so every error surfaces.
func (f *fixture) client(id, secret, token string) *sts.Client {
	return sts.New(sts.Options{
		Region:       "eu-west-1",
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, token),
		BaseEndpoint: aws.String(f.url),
		Retryer:      aws.NopRetryer{},
	})
}

func (f *fixture) keyClient(k Key) *sts.Client { return f.client(k.AccessKeyID, k.SecretAccessKey, "") }

// errorCode returns the AWS error code of err, failing if it is not an API error.
func errorCode(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got error %v, want an AWS API error", err)
	}
	return ae.ErrorCode()
}

func errorMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}
