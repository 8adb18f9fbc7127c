package broker

import (
	"context"
	"net/http"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/profiles"
)

// The idle lock, as gpg-agent's cache TTL and `ssh-add -x`: after
// keyring.lock_after without a request that needs a key set, or on
// `spin lock`, spind forgets what can mint new sessions (the key sets it
// read, the file keyring's key, the MFA sessions) until `spin unlock`.
// Role sessions already made stay: they are what running tools hold.

// lockCheckEvery is how often Serve looks for an idle keyring; lock_after
// is meant in hours, so a lock may come this much late.
const lockCheckEvery = 15 * time.Second

// touch records a request that needs (or may need) a key set.
func (b *Broker) touch() { b.lastUse.Store(b.now().UnixNano()) }

// lockIfIdle locks spind when keyring.lock_after has passed since the last
// request that needed a key set. Serve calls it on a timer and every such
// request calls it first, so a request after a long pause finds the
// keyring locked even if the timer has not run yet.
func (b *Broker) lockIfIdle() {
	if conf, err := b.conf.get(false); err == nil {
		b.lockIfIdleAt(conf)
	}
}

// lockIfIdleAt is lockIfIdle with config.yaml as the caller already read
// it: a credentials request looks at the file once (each look reads the
// inotify watch, a syscall), and both the lock and the answer see that
// one version.
func (b *Broker) lockIfIdleAt(conf *profiles.Config) {
	if conf == nil || conf.Keyring.LockAfter <= 0 {
		return
	}
	idle := b.now().Sub(time.Unix(0, b.lastUse.Load()))
	if idle < conf.Keyring.LockAfter {
		return
	}
	b.keysMu.Lock()
	defer b.keysMu.Unlock()
	if b.userLocked {
		return
	}
	// Re-read under the lock: a request may have come in meanwhile.
	if b.now().Sub(time.Unix(0, b.lastUse.Load())) < conf.Keyring.LockAfter {
		return
	}
	b.lockLocked()
	b.log.Info("keyring locked after being idle", "lock_after", conf.Keyring.LockAfter, "idle", idle.Round(time.Second))
}

// lockLocked forgets every secret that can make a new session. Callers
// hold keysMu.
func (b *Broker) lockLocked() {
	b.userLocked = true
	b.pass.Store(nil)
	// Desktop keyrings are reopened by the next unlock; the open handle
	// holds no key material of ours, but a locked spind should not read
	// the keyring behind the user's back.
	b.keys = nil
	b.cacheMu.Lock()
	clear(b.keyCache)
	b.cacheMu.Unlock()
	// An MFA session can assume roles without a new code: it is key
	// material too. Callers parked on a prompt are released.
	b.mfaMu.Lock()
	for name, st := range b.mfa {
		b.endRoundLocked(st, "spind was locked")
		delete(b.mfa, name)
	}
	b.mfaMu.Unlock()
	// So is a login session: its refresh token and DPoP key are read
	// again from the keyring after the unlock. So are sso tokens.
	b.login.forgetAll()
	b.sso.forgetAll()
}

// watchIdle runs lockIfIdle until ctx ends.
func (b *Broker) watchIdle(ctx context.Context) {
	t := time.NewTicker(lockCheckEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			b.lockIfIdle()
		}
	}
}

func (b *Broker) handleLock(w http.ResponseWriter, r *http.Request) {
	b.keysMu.Lock()
	b.lockLocked()
	b.keysMu.Unlock()
	b.log.Info("keyring locked on request")
	w.WriteHeader(http.StatusNoContent)
}

// lockedError is the answer to a request that needs a key set while spind
// is locked.
func lockedError(fileBackend bool) *api.Error {
	if fileBackend {
		return errorf(api.CodeLocked, "run 'spin unlock' (or 'spin daemon start')", "the file keyring is locked")
	}
	return errorf(api.CodeLocked, "run 'spin unlock'", "spind is locked (spin lock or keyring.lock_after)")
}
