package broker

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/profiles"
)

// A source that needs a sign-in is handled like an MFA code (DESIGN,
// "Sources"): the first caller that can run the sign-in itself (a helper
// in the terminal's foreground) is told to (signin_required with Prompt);
// every caller that comes while that sign-in runs waits for it, however
// many there are, so there is one browser tab or device code; callers
// that come when nobody is signing in and cannot sign in fail at once.

// signinPromptWindow bounds how long callers wait for a sign-in that a
// helper started: a browser sign-in takes a minute or two.
const signinPromptWindow = 3 * time.Minute

// signinRounds holds the sign-ins in progress, by source. The zero value
// is ready to use.
type signinRounds struct {
	mu sync.Mutex
	m  map[string]*signinRound
}

type signinRound struct {
	deadline time.Time
	done     chan struct{}
	failed   string // why the round ended without a sign-in; set before done closes
}

// signinPromptKey marks a request whose caller can run a sign-in.
type signinPromptKey struct{}

func withSigninPrompt(ctx context.Context) context.Context {
	return context.WithValue(ctx, signinPromptKey{}, true)
}

func canSignIn(ctx context.Context) bool {
	ok, _ := ctx.Value(signinPromptKey{}).(bool)
	return ok
}

// await is what a caller that got need (signin_required for an sso or
// login source) does next. retry means a sign-in finished while it
// waited: ask the source again. Otherwise the error is the answer: need
// itself, need with Prompt set for the one caller chosen to sign in, or
// why the sign-in it waited for did not happen.
func (s *signinRounds) await(ctx context.Context, now time.Time, need *api.Error) (retry bool, _ *api.Error) {
	s.mu.Lock()
	if s.m == nil {
		s.m = map[string]*signinRound{}
	}
	r := s.m[need.Source]
	if r != nil && now.After(r.deadline) {
		s.endLocked(need.Source, "nobody finished the sign-in in time")
		r = nil
	}
	if r == nil {
		if !canSignIn(ctx) {
			s.mu.Unlock()
			return false, need
		}
		s.m[need.Source] = &signinRound{deadline: now.Add(signinPromptWindow), done: make(chan struct{})}
		s.mu.Unlock()
		chosen := *need
		chosen.Prompt = true
		return false, &chosen
	}
	s.mu.Unlock()
	timeout := time.NewTimer(r.deadline.Sub(now) + time.Millisecond)
	defer timeout.Stop()
	hint := "run 'spin login " + need.Source + "'"
	select {
	case <-r.done:
	case <-timeout.C:
		s.end(need.Source, "nobody finished the sign-in in time")
		return true, nil // the next round, if any, decides
	case <-ctx.Done():
		return false, signinRequired(need.Source, profiles.SourceKind(need.SourceKind), hint, "source %s: gave up waiting for the sign-in in progress", need.Source)
	}
	if r.failed != "" {
		return false, signinRequired(need.Source, profiles.SourceKind(need.SourceKind), hint, "source %s: the sign-in in progress ended: %s", need.Source, r.failed)
	}
	return true, nil
}

// end closes source's round, if any: failed empty means it signed in.
func (s *signinRounds) end(source, failed string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.endLocked(source, failed)
}

func (s *signinRounds) endLocked(source, failed string) {
	r := s.m[source]
	if r == nil {
		return
	}
	r.failed = failed
	close(r.done)
	delete(s.m, source)
}

// endAll releases every waiter (spind is stopping).
func (s *signinRounds) endAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name := range s.m {
		s.endLocked(name, "spind is stopping")
	}
}

// handleSigninCancel ends a sign-in round that the helper chosen to sign
// in could not finish (the user closed the browser, Ctrl-C), so the
// callers waiting for it get their answer now.
func (b *Broker) handleSigninCancel(w http.ResponseWriter, r *http.Request) {
	b.signins.end(r.PathValue("source"), "the sign-in was cancelled")
	writeJSON(w, http.StatusOK, struct{}{})
}
