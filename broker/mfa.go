package broker

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/keystore"
	"github.com/cloudspin/spin/profiles"
)

// mfaState is the GetSessionToken session of one key set, held only in
// memory, and the prompt round in progress while there is none. Exactly
// one caller is asked for a code per round; the others wait for its answer.
type mfaState struct {
	creds     api.Credentials // zero until a code was accepted
	obtained  time.Time
	prompting bool
	deadline  time.Time     // the prompter gives up by then
	done      chan struct{} // closed when the round ends
	round     int
	failed    int // number of the last round that ended without a session
	lastErr   string
	waiters   int // callers parked on done
}

// defaultPromptWindow bounds how long waiters trust a prompter that never
// answers.
const defaultPromptWindow = 90 * time.Second

// mfaSerial is the MFA device of a profile: the profile's own, else the key set's.
func mfaSerial(p profiles.Resolved, ks keystore.KeySet) string {
	if p.MFASerial != "" {
		return p.MFASerial
	}
	return ks.MFASerial
}

// mfaSession returns the key set's MFA session, or decides who asks for a
// code: a caller that can prompt becomes the prompter (401 with Prompt set)
// unless another one already is, in which case it waits for that answer;
// a caller that cannot prompt fails at once with the `spin mfa` hint.
func (b *Broker) mfaSession(ctx context.Context, p profiles.Resolved, canPrompt bool) (api.Credentials, *api.Error) {
	for {
		b.mfaMu.Lock()
		st := b.mfa[p.Source]
		if st == nil {
			st = &mfaState{}
			b.mfa[p.Source] = st
		}
		now := b.now()
		if !st.creds.Expiration.IsZero() && st.creds.Expiration.Sub(now) > p.MinValidity {
			c := st.creds
			b.mfaMu.Unlock()
			return c, nil
		}
		if st.prompting && now.After(st.deadline) {
			b.endRoundLocked(st, "nobody entered an MFA code in time")
		}
		need := errorf(api.CodeMFARequired, fmt.Sprintf("run 'spin mfa %s'", p.Name), "profile %s needs an MFA code", p.Name)
		if !st.prompting {
			if !canPrompt {
				b.mfaMu.Unlock()
				return api.Credentials{}, need
			}
			st.prompting, st.deadline, st.done = true, now.Add(b.cfg.MFAPromptWindow), make(chan struct{})
			st.round++
			b.mfaMu.Unlock()
			need.Prompt = true
			return api.Credentials{}, need
		}
		done, round := st.done, st.round
		st.waiters++
		b.mfaMu.Unlock()
		// The deadline wakes us even if nobody else calls: the loop then
		// ends a round whose prompter vanished.
		timeout := time.NewTimer(st.deadline.Sub(now) + time.Millisecond)
		select {
		case <-ctx.Done():
		case <-done:
		case <-timeout.C:
		}
		timeout.Stop()
		b.mfaMu.Lock()
		st.waiters--
		failed, msg := st.failed == round, st.lastErr
		b.mfaMu.Unlock()
		if ctx.Err() != nil {
			return api.Credentials{}, errorf(api.CodeMFARequired, fmt.Sprintf("run 'spin mfa %s'", p.Name),
				"profile %s: gave up waiting for the MFA code", p.Name)
		}
		if failed {
			return api.Credentials{}, errorf(api.CodeMFAFailed, fmt.Sprintf("run 'spin mfa %s'", p.Name),
				"profile %s: %s", p.Name, msg)
		}
	}
}

// endRoundLocked closes a prompt round; errMsg empty means it succeeded.
func (b *Broker) endRoundLocked(st *mfaState, errMsg string) {
	if !st.prompting {
		return
	}
	st.prompting = false
	if errMsg != "" {
		st.failed, st.lastErr = st.round, errMsg
	}
	close(st.done)
}

type mfaRequest struct {
	Code string `json:"code"`
	// Check asks only whether a code for the profile could be taken
	// (profile, key set, MFA device): `spin mfa` asks it before the user
	// types a code that a mistyped profile name would waste.
	Check bool `json:"check,omitempty"`
}

// checkMFA answers a check: the refusals a code for p would meet before
// it reaches AWS, or 204. It touches no prompt round: nobody was asked.
func (b *Broker) checkMFA(w http.ResponseWriter, r *http.Request, conf *profiles.Config, p profiles.Resolved) {
	ks, aerr := b.keySet(r.Context(), conf, p.Source, p.Name)
	if aerr == nil && mfaSerial(p, ks) == "" {
		aerr = noMFASerial(p)
	}
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func noMFASerial(p profiles.Resolved) *api.Error {
	return errorf(api.CodeBadRequest, "", "profile %s has no mfa_serial (set it on the profile or with 'spin keys add %s --mfa-serial ARN --force')", p.Name, p.Source)
}

// handleMFA takes a code for a profile's key set and makes the MFA session.
func (b *Broker) handleMFA(w http.ResponseWriter, r *http.Request) {
	profile := r.PathValue("profile")
	var req mfaRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, bodyError(err))
		return
	}
	req.Code = strings.TrimSpace(req.Code)
	b.lockIfIdle()
	b.touch()
	conf, p, aerr := b.resolve(profile)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	if req.Check {
		b.checkMFA(w, r, conf, p)
		return
	}
	if req.Code == "" {
		// The prompting helper could not get a code: free its waiters.
		b.failRound(p.Source, "the helper asked to prompt got no MFA code")
		writeError(w, errorf(api.CodeBadRequest, fmt.Sprintf("run 'spin mfa %s'", profile), "profile %s: no MFA code given", profile))
		return
	}
	ks, aerr := b.keySet(r.Context(), conf, p.Source, profile)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	serial := mfaSerial(p, ks)
	if serial == "" {
		writeError(w, noMFASerial(p))
		return
	}
	if len(req.Code) != 6 || strings.Trim(req.Code, "0123456789") != "" {
		b.failRound(p.Source, "the MFA code must be 6 digits")
		writeError(w, errorf(api.CodeBadRequest, fmt.Sprintf("run 'spin mfa %s' again", profile), "profile %s: the MFA code must be 6 digits", profile))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	start := b.now()
	creds, err := b.cfg.STS.GetSessionToken(ctx, api.Credentials{AccessKeyID: ks.AccessKeyID, SecretAccessKey: ks.SecretAccessKey},
		SessionTokenInput{Region: p.Region, SerialNumber: serial, TokenCode: req.Code, Duration: p.MFADuration})
	if msg, hint, ok := noAnswer(err); ok {
		// Not the code's fault: the user may try the same code again.
		b.failRound(p.Source, msg)
		writeError(w, errorf(api.CodeSTSFailed, hint, "profile %s (key set %s): %s", profile, p.Source, msg))
		return
	}
	if err != nil {
		msg := fmt.Sprintf("MFA code rejected for key set %s: %s", p.Source, stsMessage(err))
		b.failRound(p.Source, msg)
		b.log.Warn("GetSessionToken failed", "profile", profile, "key_set", p.Source, "err", stsMessage(err))
		writeError(w, errorf(api.CodeMFAFailed, fmt.Sprintf("run 'spin mfa %s' with a fresh code", profile), "profile %s: %s", profile, msg))
		return
	}
	b.mfaMu.Lock()
	st := b.mfa[p.Source]
	if st == nil {
		st = &mfaState{}
		b.mfa[p.Source] = st
	}
	st.creds, st.obtained = creds, start
	b.endRoundLocked(st, "")
	b.mfaMu.Unlock()
	b.log.Info("MFA session obtained", "profile", profile, "key_set", p.Source, "expires", creds.Expiration)
	w.WriteHeader(http.StatusNoContent)
}

func (b *Broker) failRound(source, msg string) {
	b.mfaMu.Lock()
	defer b.mfaMu.Unlock()
	if st := b.mfa[source]; st != nil {
		b.endRoundLocked(st, msg)
	}
}

// mfaWaiters reports how many callers wait for source's code (tests).
func (b *Broker) mfaWaiters(source string) int {
	b.mfaMu.Lock()
	defer b.mfaMu.Unlock()
	if st := b.mfa[source]; st != nil {
		return st.waiters
	}
	return 0
}
