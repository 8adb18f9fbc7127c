package broker

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/api"
)

func signinNeed() *api.Error {
	return signinRequired("corp", "sso", "run 'spin login corp'", "source corp needs a sign-in")
}

func TestSigninRoundOneSignsInOthersWait(t *testing.T) {
	var s signinRounds
	now := time.Now()
	plain := context.Background()

	// Nobody is signing in and this caller cannot: the hint at once.
	if retry, e := s.await(plain, now, signinNeed()); retry || e == nil || e.Prompt {
		t.Fatalf("caller without a terminal: retry %v, err %+v; want the plain hint", retry, e)
	}
	// The first caller that can sign in is chosen.
	retry, e := s.await(withSigninPrompt(plain), now, signinNeed())
	if retry || e == nil || !e.Prompt || e.Source != "corp" {
		t.Fatalf("first prompting caller: retry %v, err %+v; want Prompt", retry, e)
	}
	// Everyone else, terminal or not, waits for that sign-in.
	var wg sync.WaitGroup
	results := make(chan bool, 10)
	for i := range 10 {
		ctx := plain
		if i%2 == 0 {
			ctx = withSigninPrompt(plain)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			retry, e := s.await(ctx, now, signinNeed())
			results <- retry && e == nil
		}()
	}
	select {
	case <-results:
		t.Fatal("a caller came back before the sign-in ended")
	case <-time.After(100 * time.Millisecond):
	}
	s.end("corp", "")
	wg.Wait()
	close(results)
	for ok := range results {
		if !ok {
			t.Error("a waiter was not told to ask again after the sign-in")
		}
	}
	// The round is over: the next prompting caller starts a new one.
	if _, e := s.await(withSigninPrompt(plain), now, signinNeed()); e == nil || !e.Prompt {
		t.Errorf("after the round: %+v, want a new prompter", e)
	}
}

func TestSigninRoundCancelledOrAbandoned(t *testing.T) {
	var s signinRounds
	now := time.Now()
	if _, e := s.await(withSigninPrompt(context.Background()), now, signinNeed()); e == nil || !e.Prompt {
		t.Fatal("no prompter chosen")
	}
	done := make(chan *api.Error)
	go func() {
		_, e := s.await(context.Background(), now, signinNeed())
		done <- e
	}()
	time.Sleep(50 * time.Millisecond)
	s.end("corp", "the sign-in was cancelled")
	if e := <-done; e == nil || e.Code != api.CodeSigninRequired || e.Prompt ||
		e.Message != "source corp: the sign-in in progress ended: the sign-in was cancelled" {
		t.Errorf("waiter after cancel: %+v", e)
	}

	// A prompter that never comes back: past the window the round is
	// given up and the next caller is chosen instead.
	if _, e := s.await(withSigninPrompt(context.Background()), now, signinNeed()); e == nil || !e.Prompt {
		t.Fatal("no prompter chosen")
	}
	later := now.Add(signinPromptWindow + time.Second)
	if _, e := s.await(withSigninPrompt(context.Background()), later, signinNeed()); e == nil || !e.Prompt {
		t.Errorf("after the window: %+v, want this caller chosen", e)
	}
	// A waiter whose own request ends gives up with a line that says so.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if retry, e := s.await(ctx, later, signinNeed()); retry || e == nil || e.Message != "source corp: gave up waiting for the sign-in in progress" {
		t.Errorf("waiter whose request ended: retry %v, %+v", retry, e)
	}
	s.endAll()
}
