package broker

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/profiles"
)

// failures remembers the last failed credentials request of each profile
// and session name, so that 'spin status' can show why a profile has no
// session (a failed first request leaves nothing in the session cache).
// A later success, 'spin sessions clear' or the profile leaving
// config.yaml forgets it.
type failures struct {
	mu sync.Mutex
	m  map[sessionKey]api.FailureStatus
}

// note records aerr for key, or forgets key's failure when aerr is nil;
// explicit is the session name the caller asked for, shown in status
// (empty: the profile's own role_session_name).
// The answers that are steps of a normal flow (a prompt for an MFA code or
// a sign-in, shown on the key set's and source's lines) and unknown
// profiles (any name a typo makes) are not failures of a profile.
func (f *failures) note(key sessionKey, explicit string, aerr *api.Error, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if aerr == nil {
		delete(f.m, key)
		// A failure before the session name was known (config.yaml
		// broken, keyring locked) was the profile's, not a session's:
		// this success shows it is over.
		delete(f.m, sessionKey{key.profile, ""})
		return
	}
	switch aerr.Code {
	case api.CodeMFARequired, api.CodeSigninRequired, api.CodeUnknownProfile:
		return
	}
	if f.m == nil {
		f.m = map[sessionKey]api.FailureStatus{}
	}
	f.m[key] = api.FailureStatus{Profile: key.profile, SessionName: explicit, Code: aerr.Code,
		Error: aerr.Message, Hint: aerr.Hint, At: now}
	// Callers choose session names freely: keep a profile's latest few.
	var oldest sessionKey
	n := 0
	for k, fs := range f.m {
		if k.profile != key.profile {
			continue
		}
		if n++; n == 1 || fs.At.Before(f.m[oldest].At) {
			oldest = k
		}
	}
	if n > maxFailuresPerProfile {
		delete(f.m, oldest)
	}
}

// maxFailuresPerProfile bounds the failures kept per profile.
const maxFailuresPerProfile = 8

// clear forgets profile's failures, or all of them for "".
func (f *failures) clear(profile string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k := range f.m {
		if profile == "" || k.profile == profile {
			delete(f.m, k)
		}
	}
}

// list returns the failures of profiles still in conf that hold no
// session (held), by profile and session name.
func (f *failures) list(conf *profiles.Config, held func(sessionKey) bool) []api.FailureStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []api.FailureStatus
	for k, fs := range f.m {
		if conf != nil {
			if _, ok := conf.Profiles[k.profile]; !ok {
				delete(f.m, k)
				continue
			}
		}
		if !held(k) {
			out = append(out, fs)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return a.Profile < b.Profile || a.Profile == b.Profile && a.At.Before(b.At)
	})
	return out
}

// keySetStatuses describes the key sets config.yaml's profiles name and
// those spind holds, without opening the keyring: a locked or slow
// keyring must not hold up 'spin status'.
func (b *Broker) keySetStatuses(conf *profiles.Config) []api.KeySetStatus {
	byName := map[string]*api.KeySetStatus{}
	get := func(name string) *api.KeySetStatus {
		if ks := byName[name]; ks != nil {
			return ks
		}
		ks := &api.KeySetStatus{Name: name}
		byName[name] = ks
		return ks
	}
	if conf != nil {
		for _, name := range conf.Order {
			p := conf.Profiles[name]
			if _, isSource := conf.Sources[p.Source]; isSource || p.Source == "" {
				continue
			}
			ks := get(p.Source)
			ks.Profiles = append(ks.Profiles, name)
			if ks.MFASerial == "" {
				ks.MFASerial = p.MFASerial
			}
		}
	}
	b.cacheMu.Lock()
	for name := range b.missingKeys {
		// Only while a profile names it (or config.yaml does not load):
		// a key set nobody uses needs no 'spin keys add'.
		if ks := byName[name]; ks != nil {
			ks.Missing = true
		} else if conf == nil {
			get(name).Missing = true
		}
	}
	for name, k := range b.keyCache {
		ks := get(name)
		ks.Loaded, ks.AccessKeyID = true, secret.MaskKeyID(k.AccessKeyID)
		if k.MFASerial != "" {
			ks.MFASerial = k.MFASerial
		}
	}
	b.cacheMu.Unlock()
	now := b.now()
	b.mfaMu.Lock()
	for name, st := range b.mfa {
		if exp := st.creds.Expiration; !exp.IsZero() && exp.After(now) {
			get(name).MFAExpires = exp
		}
	}
	b.mfaMu.Unlock()
	out := make([]api.KeySetStatus, 0, len(byName))
	for _, ks := range byName {
		ks.NeedsMFA = ks.MFASerial != "" && ks.MFAExpires.IsZero()
		out = append(out, *ks)
	}
	slices.SortFunc(out, func(a, b api.KeySetStatus) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// noteMissing remembers that the keyring lacked key set name.
func (b *Broker) noteMissing(name string) {
	b.cacheMu.Lock()
	defer b.cacheMu.Unlock()
	if b.missingKeys == nil {
		b.missingKeys = map[string]bool{}
	}
	b.missingKeys[name] = true
}

// clearMFA drops the MFA session of keySet, or of every key set for "",
// and says how many were live: the next new session asks for a code. A
// prompt round in progress ends for its waiters as if it had failed.
func (b *Broker) clearMFA(keySet string) int {
	b.mfaMu.Lock()
	defer b.mfaMu.Unlock()
	n := 0
	now := b.now()
	for name, st := range b.mfa {
		if keySet != "" && name != keySet {
			continue
		}
		if st.creds.Expiration.After(now) {
			n++
		}
		b.endRoundLocked(st, "the MFA session was cleared ('spin sessions clear --mfa')")
		delete(b.mfa, name)
	}
	return n
}
