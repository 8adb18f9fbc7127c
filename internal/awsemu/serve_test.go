package awsemu

import (
	"context"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestStart(t *testing.T) {
	e := New(Options{Keys: []Key{alice}})
	url, stop, err := e.Start(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	f := &fixture{url: url}
	if _, err := f.keyClient(alice).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("GetCallerIdentity against Start's URL: %v", err)
	}
	stop()
	stop() // idempotent
	if _, err := f.keyClient(alice).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); err == nil {
		t.Errorf("after stop: got success, want a connection error")
	}
}

func TestStartStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	e := New(Options{Keys: []Key{alice}})
	_, stop, err := e.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	stop() // returns once the server is down
}

// TestConcurrentSessions runs many clients at once; with -race it checks
// the emulator's locking, and every session must see its own identity.
func TestConcurrentSessions(t *testing.T) {
	f := newFixture(t)
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			name := "worker-" + string(rune('a'+i))
			out, err := f.keyClient(alice).AssumeRole(t.Context(), &sts.AssumeRoleInput{
				RoleArn: aws.String(roleARN), RoleSessionName: aws.String(name),
			})
			if err != nil {
				errs <- err
				return
			}
			c := out.Credentials
			id, err := f.client(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)).
				GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
			if err != nil {
				errs <- err
				return
			}
			if got, want := aws.ToString(id.Arn), "arn:aws:sts::444455556666:assumed-role/spin_role-examples/"+name; got != want {
				t.Errorf("got Arn %q, want %q", got, want)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := f.emu.Calls("AssumeRole"); got != n {
		t.Errorf("got Calls(AssumeRole) = %d, want %d", got, n)
	}
	if got := len(f.emu.AssumeRoleCalls()); got != n {
		t.Errorf("got %d AssumeRoleCalls, want %d", got, n)
	}
}
