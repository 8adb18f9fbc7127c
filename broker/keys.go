package broker

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"sort"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/keystore"
	"github.com/cloudspin/spin/profiles"
)

// backendName is the keyring backend spind uses: its flag, else config.yaml.
func (b *Broker) backendName(conf *profiles.Config) string {
	if b.cfg.Backend != "" {
		return b.cfg.Backend
	}
	if conf != nil && conf.Keyring.Backend != "" {
		return conf.Keyring.Backend
	}
	return "auto"
}

// lockedLocked reports whether spind is locked: by `spin lock` or
// keyring.lock_after, or because the file keyring still waits for its
// passphrase. Callers hold keysMu.
func (b *Broker) lockedLocked(conf *profiles.Config) bool {
	return b.userLocked || b.backendName(conf) == "file" && b.passphrase().IsZero()
}

// store opens the keyring on first use. Callers hold keysMu.
// storeForWrite opens the store for a change to a key set: under
// rotateMu, so a key set being rotated is not changed under the
// rotation's feet, and keysMu. unlock releases both.
func (b *Broker) storeForWrite(conf *profiles.Config) (Keys, func(), *api.Error) {
	b.rotateMu.Lock()
	b.keysMu.Lock()
	unlock := func() { b.keysMu.Unlock(); b.rotateMu.Unlock() }
	k, aerr := b.storeLocked(conf)
	if aerr != nil {
		unlock()
		return nil, nil, aerr
	}
	return k, unlock, nil
}

func (b *Broker) storeLocked(conf *profiles.Config) (Keys, *api.Error) {
	if b.lockedLocked(conf) {
		return nil, lockedError(b.backendName(conf) == "file")
	}
	if b.keys != nil {
		return b.keys, nil
	}
	kc := keystore.Config{Backend: b.backendName(conf)}
	if conf != nil {
		kc.FileDir = conf.Keyring.FileDir
	}
	kc.Passphrase = func() (string, error) {
		p := b.passphrase()
		if p.IsZero() {
			return "", keystore.ErrLocked
		}
		return p.Reveal(), nil
	}
	k, err := b.cfg.OpenKeys(kc)
	if err != nil {
		return nil, errorf(api.CodeKeyring, "set keyring.backend in "+b.cfg.ConfigPath+" (file on servers and WSL), or run 'spin daemon stop' and 'spin daemon start --keyring-backend file'",
			"open keyring: %v", err)
	}
	b.keys, b.backend = k, k.Backend()
	b.log.Info("keyring opened", "backend", b.backend)
	return k, nil
}

// keySet returns a key set, from memory after the first read: spind holds
// the keys so that refreshes never wait on the keyring.
func (b *Broker) keySet(ctx context.Context, conf *profiles.Config, name, profile string) (keystore.KeySet, *api.Error) {
	if ks, ok := b.cachedKeySet(name); ok {
		return ks, nil
	}
	b.keysMu.Lock()
	defer b.keysMu.Unlock()
	if ks, ok := b.cachedKeySet(name); ok { // read while we waited
		return ks, nil
	}
	k, aerr := b.storeLocked(conf)
	if aerr != nil {
		return keystore.KeySet{}, aerr
	}
	ks, err := k.Get(ctx, name)
	switch {
	case errors.Is(err, keystore.ErrNotFound):
		b.noteMissing(name)
		return keystore.KeySet{}, b.missingSource(ctx, k, conf, profile, name)
	case errors.Is(err, keystore.ErrLocked):
		return keystore.KeySet{}, errorf(api.CodeLocked, "run 'spin unlock'", "the keyring is locked")
	case err != nil:
		return keystore.KeySet{}, errorf(api.CodeKeyring, "run 'spin doctor'", "profile %s: read key set %s: %v", profile, name, err)
	}
	b.cacheKeySet(name, &ks)
	return ks, nil
}

func (b *Broker) cachedKeySet(name string) (keystore.KeySet, bool) {
	b.cacheMu.Lock()
	defer b.cacheMu.Unlock()
	ks, ok := b.keyCache[name]
	return ks, ok
}

// cacheKeySet stores ks under name, or forgets name when ks is nil.
func (b *Broker) cacheKeySet(name string, ks *keystore.KeySet) {
	b.cacheMu.Lock()
	defer b.cacheMu.Unlock()
	if ks == nil {
		delete(b.keyCache, name)
		return
	}
	delete(b.missingKeys, name)
	b.keyCache[name] = *ks
}

func (b *Broker) handlePutKey(w http.ResponseWriter, r *http.Request) {
	b.lockIfIdle()
	b.touch()
	name := r.PathValue("name")
	req, err := api.DecodeKeyRequest(r.Body)
	if err != nil {
		writeError(w, bodyError(err))
		return
	}
	ks := keystore.KeySet{Name: name, AccessKeyID: req.AccessKeyID, SecretAccessKey: req.SecretAccessKey,
		MFASerial: req.MFASerial, AllowExport: req.AllowExport, Created: b.now().UTC()}
	if err := ks.Validate(); err != nil {
		writeError(w, errorf(api.CodeBadRequest, "", "%v", err))
		return
	}
	conf, aerr := b.config()
	if aerr != nil {
		// The backend is a config setting: never guess it from a broken file.
		writeError(w, aerr)
		return
	}
	if _, ok := conf.Sources[name]; ok {
		// A profile's source would then name both: refuse the ambiguity.
		writeError(w, errorf(api.CodeConflict, "pick another key set name, or rename the source in "+conf.Path,
			"%s is a source under sources: in %s; a key set of the same name would be ambiguous", name, conf.Path))
		return
	}
	k, unlock, aerr := b.storeForWrite(conf)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	defer unlock()
	if !req.Force {
		if old, err := k.Get(r.Context(), name); err == nil && sameKeySet(old, ks) {
			// Storing the key it already holds changes nothing: an import
			// that finds its key set already stored goes on.
			w.WriteHeader(http.StatusNoContent)
			return
		} else if err == nil {
			writeError(w, errorf(api.CodeConflict, fmt.Sprintf("add --force to replace it: spin keys add %s --force", name),
				"key set %s already exists", name))
			return
		} else if !errors.Is(err, keystore.ErrNotFound) {
			writeError(w, errorf(api.CodeKeyring, "", "key set %s: %v", name, err))
			return
		}
	}
	if err := k.Put(r.Context(), ks); err != nil {
		writeError(w, errorf(api.CodeKeyring, "", "store key set %s: %v", name, err))
		return
	}
	b.cacheKeySet(name, &ks)
	b.dropSessionsOf(name)
	// An autostarted spind must find the same backend next time.
	if err := profiles.RecordKeyringBackend(r.Context(), b.cfg.ConfigPath, b.backend); err != nil {
		b.log.Warn("could not record the keyring backend in config", "path", b.cfg.ConfigPath, "err", err)
	}
	b.log.Info("key set stored", "name", name, "access_key_id", secret.MaskKeyID(ks.AccessKeyID), "backend", b.backend)
	if ks.AllowExport {
		b.logExportGrant(r, name, true)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (b *Broker) handleListKeys(w http.ResponseWriter, r *http.Request) {
	b.withKeys(w, func(k Keys, conf *profiles.Config) {
		b.listKeys(w, r, k, conf)
	})
}

// withKeys runs f with the keyring open and keysMu held, as a request
// that reads key sets does (it counts as activity for lock_after); a
// config.yaml or keyring that does not open is the answer instead.
func (b *Broker) withKeys(w http.ResponseWriter, f func(Keys, *profiles.Config)) {
	b.lockIfIdle()
	b.touch()
	conf, aerr := b.config()
	if aerr != nil {
		// The backend is a config setting: never guess it from a broken file.
		writeError(w, aerr)
		return
	}
	b.keysMu.Lock()
	defer b.keysMu.Unlock()
	k, aerr := b.storeLocked(conf)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	f(k, conf)
}

func (b *Broker) listKeys(w http.ResponseWriter, r *http.Request, k Keys, conf *profiles.Config) {
	names, err := k.List(r.Context())
	if err != nil {
		writeError(w, errorf(api.CodeKeyring, "", "list key sets: %v", err))
		return
	}
	sort.Strings(names)
	out := make([]api.KeyInfo, 0, len(names))
	for _, n := range names {
		ks, err := k.Get(r.Context(), n)
		if err != nil {
			writeError(w, errorf(api.CodeKeyring, "", "read key set %s: %v", n, err))
			return
		}
		out = append(out, b.keyInfo(ks, conf))
	}
	writeJSON(w, http.StatusOK, out)
}

// keyInfo is what a listing shows of ks: never its secret.
func (b *Broker) keyInfo(ks keystore.KeySet, conf *profiles.Config) api.KeyInfo {
	return api.KeyInfo{Name: ks.Name, AccessKeyID: secret.MaskKeyID(ks.AccessKeyID), MFASerial: ks.MFASerial, AllowExport: ks.AllowExport,
		Created: ks.Created, RotationPending: ks.Pending != nil || ks.Retiring != "", AgeWarning: keyAgeWarning(ks, conf.Keys.MaxAge, b.now())}
}

// handleGetKey answers GET /v1/keys/{name}: one key set as listed, or
// the unknown-name error with the name meant. The CLI asks it before a
// confirmation or a secret, so a mistyped name asks nothing.
func (b *Broker) handleGetKey(w http.ResponseWriter, r *http.Request) {
	b.withKeys(w, func(k Keys, conf *profiles.Config) {
		b.getKey(w, r, k, conf, r.PathValue("name"))
	})
}

func (b *Broker) getKey(w http.ResponseWriter, r *http.Request, k Keys, conf *profiles.Config, name string) {
	ks, err := k.Get(r.Context(), name)
	if errors.Is(err, keystore.ErrNotFound) {
		writeError(w, b.noKeySet(r.Context(), k, name))
		return
	}
	if err != nil {
		writeError(w, errorf(api.CodeKeyring, "", "read key set %s: %v", name, err))
		return
	}
	writeJSON(w, http.StatusOK, b.keyInfo(ks, conf))
}

func (b *Broker) handleRemoveKey(w http.ResponseWriter, r *http.Request) {
	b.lockIfIdle()
	b.touch()
	name := r.PathValue("name")
	conf, aerr := b.config()
	if aerr != nil {
		// The backend is a config setting: never guess it from a broken file.
		writeError(w, aerr)
		return
	}
	k, unlock, aerr := b.storeForWrite(conf)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	defer unlock()
	err := k.Remove(r.Context(), name)
	if errors.Is(err, keystore.ErrNotFound) {
		writeError(w, b.noKeySet(r.Context(), k, name))
		return
	}
	if err != nil {
		writeError(w, errorf(api.CodeKeyring, "", "remove key set %s: %v", name, err))
		return
	}
	b.cacheKeySet(name, nil)
	b.dropSessionsOf(name)
	b.log.Info("key set removed", "name", name)
	w.WriteHeader(http.StatusNoContent)
}

// handleKeyExport grants or revokes a key set's allow-export. Granting
// takes the key set's secret access key as proof: whoever can reach the
// socket can already use the keys through roles, but only someone who had
// the secret may let it out again. Revoking takes nothing.
func (b *Broker) handleKeyExport(w http.ResponseWriter, r *http.Request) {
	b.lockIfIdle()
	b.touch()
	name := r.PathValue("name")
	req, err := api.DecodeExportRequest(r.Body)
	if err != nil {
		writeError(w, bodyError(err))
		return
	}
	conf, aerr := b.config()
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	k, unlock, aerr := b.storeForWrite(conf)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	defer unlock()
	ks, err := k.Get(r.Context(), name)
	if errors.Is(err, keystore.ErrNotFound) {
		writeError(w, b.noKeySet(r.Context(), k, name))
		return
	}
	if err != nil {
		writeError(w, errorf(api.CodeKeyring, "", "read key set %s: %v", name, err))
		return
	}
	if req.Allow && subtle.ConstantTimeCompare([]byte(req.SecretAccessKey.Reveal()), []byte(ks.SecretAccessKey.Reveal())) != 1 {
		b.log.Warn("allow-export refused: wrong secret", "key_set", name, "pid", peerPID(r.Context()))
		writeError(w, errorf(api.CodeForbidden, fmt.Sprintf("give the secret access key stored in key set %s", name),
			"allow-export %s: that is not the key set's secret access key", name))
		return
	}
	if ks.AllowExport != req.Allow {
		ks.AllowExport = req.Allow
		if err := k.Put(r.Context(), ks); err != nil {
			writeError(w, errorf(api.CodeKeyring, "", "store key set %s: %v", name, err))
			return
		}
		b.cacheKeySet(name, &ks)
	}
	b.logExportGrant(r, name, req.Allow)
	w.WriteHeader(http.StatusNoContent)
}

// logExportGrant records who changed a key set's allow-export.
func (b *Broker) logExportGrant(r *http.Request, name string, allow bool) {
	peer := describeProcess(peerPID(r.Context()))
	if allow {
		b.log.Warn("key set may now be handed out as long-term keys", "key_set", name, "pid", peer.PID, "exe", peer.Exe)
		return
	}
	b.log.Info("key set no longer handed out as long-term keys", "key_set", name, "pid", peer.PID, "exe", peer.Exe)
}

func (b *Broker) handleUnlock(w http.ResponseWriter, r *http.Request) {
	req, err := api.DecodeUnlockRequest(r.Body)
	if err != nil {
		writeError(w, bodyError(err))
		return
	}
	conf, aerr := b.config()
	if aerr != nil {
		// The backend is a config setting: never guess it from a broken file.
		writeError(w, aerr)
		return
	}
	b.keysMu.Lock()
	defer b.keysMu.Unlock()
	b.touch()
	if b.backendName(conf) != "file" {
		// No passphrase: the desktop keyring guards itself, and the store
		// is reopened on the next request that needs it.
		if b.userLocked {
			b.userLocked = false
			b.log.Info("unlocked")
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if req.Passphrase.IsZero() {
		writeError(w, errorf(api.CodeBadRequest, "run 'spin unlock' and type the passphrase", "empty passphrase"))
		return
	}
	dir := fileDir(conf)
	state, _ := b.cfg.FileKeys.State(dir)
	// The key, not the passphrase, is what spind keeps: Argon2id runs once
	// here, and the keyring library only ever sees its result.
	key, err := b.cfg.FileKeys.Unlock(dir, req.Passphrase)
	switch {
	case errors.Is(err, keystore.ErrWeakPassphrase):
		writeError(w, errorf(api.CodeBadRequest, "choose a longer passphrase and run 'spin unlock' again", "%v", err))
		return
	case errors.Is(err, keystore.ErrBadPassphrase):
		b.log.Warn("unlock refused: wrong passphrase", "pid", peerPID(r.Context()))
		writeError(w, errorf(api.CodeLocked, "run 'spin unlock' again with the right passphrase", "unlock the file keyring: wrong passphrase"))
		return
	case err != nil:
		writeError(w, errorf(api.CodeKeyring, "run 'spin doctor'", "unlock the file keyring: %v", err))
		return
	}
	prev := b.pass.Swap(&key)
	wasLocked := b.userLocked
	b.userLocked = false
	if err := b.verifyPassphraseLocked(r.Context(), conf); err != nil {
		b.pass.Store(prev)
		b.userLocked = wasLocked
		writeError(w, errorf(api.CodeLocked, "run 'spin unlock' again with the right passphrase", "unlock the file keyring: wrong passphrase"))
		return
	}
	switch state {
	case keystore.FileNew:
		b.log.Info("file keyring created with an Argon2id-derived key", "dir", dir)
	case keystore.FileLegacy:
		b.log.Info("file keyring migrated to an Argon2id-derived key", "dir", dir)
	}
	b.log.Info("file keyring unlocked")
	w.WriteHeader(http.StatusNoContent)
}

// fileDir is the file backend's directory from config.yaml; empty lets
// keystore pick its default.
func fileDir(conf *profiles.Config) string {
	if conf == nil {
		return ""
	}
	return conf.Keyring.FileDir
}

// FileKeys derives the file backend's key from its passphrase;
// keystore.FileKDF is the real one.
type FileKeys interface {
	State(dir string) (keystore.FileState, error)
	Unlock(dir string, pass secret.String) (secret.String, error)
}

// verifyPassphraseLocked has the keyring decrypt what it stores, so a
// typo is caught at unlock time rather than at the next credential request.
func (b *Broker) verifyPassphraseLocked(ctx context.Context, conf *profiles.Config) error {
	k, aerr := b.storeLocked(conf)
	if aerr != nil {
		return aerr
	}
	return k.Check(ctx)
}

// passphrase is the file keyring's passphrase, zero while locked. It is an
// atomic because the keyring library asks for it from its own goroutine.
func (b *Broker) passphrase() secret.String {
	if p := b.pass.Load(); p != nil {
		return *p
	}
	return secret.String{}
}

// sameKeySet reports whether two key sets hold the same key and settings.
func sameKeySet(a, b keystore.KeySet) bool {
	return a.AccessKeyID == b.AccessKeyID && a.MFASerial == b.MFASerial && a.AllowExport == b.AllowExport &&
		subtle.ConstantTimeCompare([]byte(a.SecretAccessKey.Reveal()), []byte(b.SecretAccessKey.Reveal())) == 1
}
