package broker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/smithy-go"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/keystore"
	"github.com/cloudspin/spin/profiles"
)

// Key rotation (spin keys rotate NAME). The order is what makes it safe:
//
//  1. CreateAccessKey with the key set's own credentials (its MFA session
//     when it has one: IAM refuses session credentials without MFA).
//  2. Store the new key in the keyring as pending, before anything else,
//     so that an interruption never loses it.
//  3. Verify it with GetCallerIdentity, retrying while IAM's eventual
//     consistency keeps it from STS, for a bounded time.
//  4. Make it current (the old id is kept as retiring) and serve it.
//  5. Delete the old key (or deactivate it), then forget it.
//
// Every step is recorded in the key set, so running the rotation again
// after an interruption picks up where it stopped. Sessions already handed
// out stay valid (AWS does not revoke sessions of a deleted key), and a
// session being obtained with the old key at the moment it is deleted is
// retried with the new one (keySetSource.Prepare).

// defaultRotateVerify bounds step 3. IAM usually propagates a new key in
// seconds; AWS documents no bound.
const defaultRotateVerify = 90 * time.Second

func (b *Broker) handleRotateKey(w http.ResponseWriter, r *http.Request) {
	b.lockIfIdle()
	b.touch()
	name := r.PathValue("name")
	var req api.RotateRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, bodyError(err))
		return
	}
	conf, aerr := b.config()
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	// One rotation at a time: two would each create a key and hit IAM's
	// limit of two.
	b.rotateMu.Lock()
	defer b.rotateMu.Unlock()
	// Not the request's context: a Ctrl-C between CreateAccessKey and
	// storing the key must not lose its secret.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), b.cfg.RotateVerify+2*time.Minute)
	defer cancel()
	res, aerr := b.rotate(ctx, conf, name, req.KeepOld)
	if aerr != nil {
		b.log.Warn("key rotation stopped", "key_set", name, "err", aerr.Message)
		writeError(w, aerr)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (b *Broker) rotate(ctx context.Context, conf *profiles.Config, name string, keepOld bool) (api.RotateResult, *api.Error) {
	ks, aerr := b.loadKeySet(ctx, conf, name)
	if aerr != nil {
		return api.RotateResult{}, aerr
	}
	part := keySetPartition(conf, ks)
	res := api.RotateResult{Name: name, OldKeyID: secret.MaskKeyID(ks.AccessKeyID)}
	caller, aerr := b.iamCaller(conf, ks)
	if aerr != nil {
		return res, aerr
	}
	if ks.Pending != nil || ks.Retiring != "" {
		res.Resumed = true
		b.log.Info("finishing an interrupted key rotation", "key_set", name)
	}
	if ks.Pending != nil {
		// The pending key may have been deleted by hand since: start over.
		keys, err := b.cfg.KeyAPI.ListAccessKeys(ctx, caller, part)
		if err != nil {
			return res, iamError(name, "ListAccessKeys", err)
		}
		if !slices.ContainsFunc(keys, func(k AccessKey) bool { return k.ID == ks.Pending.AccessKeyID }) {
			b.log.Warn("the pending access key is gone from IAM; starting over", "key_set", name,
				"pending", secret.MaskKeyID(ks.Pending.AccessKeyID))
			ks.Pending = nil
			if aerr := b.saveKeySet(ctx, conf, ks); aerr != nil {
				return res, aerr
			}
		}
	}
	if ks.Pending == nil && ks.Retiring == "" {
		if aerr := b.createPending(ctx, conf, &ks, caller, part); aerr != nil {
			return res, aerr
		}
	}
	if ks.Pending != nil {
		if aerr := b.verifyPending(ctx, ks, part); aerr != nil {
			return res, aerr
		}
		ks.Retiring = ks.AccessKeyID
		ks.AccessKeyID, ks.SecretAccessKey, ks.Created = ks.Pending.AccessKeyID, ks.Pending.SecretAccessKey, ks.Pending.Created
		ks.Pending = nil
		if aerr := b.saveKeySet(ctx, conf, ks); aerr != nil {
			return res, aerr
		}
		b.log.Info("new access key is current", "key_set", name, "access_key_id", secret.MaskKeyID(ks.AccessKeyID))
	}
	res.OldKeyID, res.NewKeyID, res.Created = secret.MaskKeyID(ks.Retiring), secret.MaskKeyID(ks.AccessKeyID), ks.Created
	if caller, aerr = b.iamCaller(conf, ks); aerr != nil {
		return res, aerr
	}
	if keepOld {
		err := b.cfg.KeyAPI.SetAccessKeyActive(ctx, caller, part, ks.Retiring, false)
		if err != nil && !isCode(err, "NoSuchEntity") {
			return res, iamError(name, "UpdateAccessKey", err)
		}
		res.OldKey = "deactivated"
	} else {
		err := b.cfg.KeyAPI.DeleteAccessKey(ctx, caller, part, ks.Retiring)
		if err != nil && !isCode(err, "NoSuchEntity") {
			return res, iamError(name, "DeleteAccessKey", err)
		}
		res.OldKey = "deleted"
	}
	ks.Retiring = ""
	if aerr := b.saveKeySet(ctx, conf, ks); aerr != nil {
		return res, aerr
	}
	b.log.Info("key rotation done", "key_set", name, "old_key", res.OldKey)
	return res, nil
}

// createPending makes the new key and stores it as pending at once.
func (b *Broker) createPending(ctx context.Context, conf *profiles.Config, ks *keystore.KeySet, caller api.Credentials, part string) *api.Error {
	keys, err := b.cfg.KeyAPI.ListAccessKeys(ctx, caller, part)
	if err != nil {
		return iamError(ks.Name, "ListAccessKeys", err)
	}
	if len(keys) >= 2 {
		return twoKeysError(*ks, keys)
	}
	nk, err := b.cfg.KeyAPI.CreateAccessKey(ctx, caller, part)
	if err != nil {
		if isCode(err, "LimitExceeded") {
			return twoKeysError(*ks, keys)
		}
		return iamError(ks.Name, "CreateAccessKey", err)
	}
	created := nk.Created
	if created.IsZero() {
		created = b.now().UTC()
	}
	ks.Pending = &keystore.PendingKey{AccessKeyID: nk.ID, SecretAccessKey: nk.Secret, Created: created}
	if aerr := b.saveKeySet(ctx, conf, *ks); aerr != nil {
		// Without the keyring the new key would be lost: take it back.
		if err := b.cfg.KeyAPI.DeleteAccessKey(ctx, caller, part, nk.ID); err != nil {
			b.log.Error("could not delete the new access key after the keyring refused it", "key_set", ks.Name,
				"access_key_id", nk.ID, "err", stsMessage(err))
		}
		return aerr
	}
	b.log.Info("new access key stored as pending", "key_set", ks.Name, "access_key_id", secret.MaskKeyID(nk.ID))
	return nil
}

// verifyPending waits until STS accepts the pending key as the same user
// as the current one, with backoff, for at most cfg.RotateVerify.
func (b *Broker) verifyPending(ctx context.Context, ks keystore.KeySet, part string) *api.Error {
	region := iamRegion(part)
	want, err := b.cfg.KeyAPI.CallerIdentity(ctx, api.Credentials{AccessKeyID: ks.AccessKeyID, SecretAccessKey: ks.SecretAccessKey}, region)
	if err != nil {
		// The current key no longer works (deleted by hand?): the new one
		// can still be checked, just not compared.
		b.log.Warn("the current access key does not pass GetCallerIdentity", "key_set", ks.Name, "err", stsMessage(err))
		want = ""
	}
	newCreds := api.Credentials{AccessKeyID: ks.Pending.AccessKeyID, SecretAccessKey: ks.Pending.SecretAccessKey}
	deadline := time.Now().Add(b.cfg.RotateVerify)
	wait := 250 * time.Millisecond
	for {
		got, err := b.cfg.KeyAPI.CallerIdentity(ctx, newCreds, region)
		if err == nil {
			if want != "" && got != want {
				return errorf(api.CodeConflict, "check which IAM user key set "+ks.Name+" belongs to",
					"key set %s: the new access key signs in as %s, the current one as %s", ks.Name, got, want)
			}
			return nil
		}
		if time.Now().Add(wait).After(deadline) || ctx.Err() != nil {
			return errorf(api.CodeSTSFailed, fmt.Sprintf("IAM is slow to publish new keys: run 'spin keys rotate %s' again in a minute; it finishes this rotation", ks.Name),
				"key set %s: STS does not accept the new access key %s yet (%s); it is kept as pending and the current key stays in use",
				ks.Name, secret.MaskKeyID(newCreds.AccessKeyID), stsMessage(err))
		}
		b.log.Debug("new access key not accepted yet", "key_set", ks.Name, "err", stsMessage(err), "retry_in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// iamCaller is who calls IAM for a key set: its MFA session when it has
// one (IAM refuses session credentials without MFA), else its keys.
func (b *Broker) iamCaller(conf *profiles.Config, ks keystore.KeySet) (api.Credentials, *api.Error) {
	b.mfaMu.Lock()
	st := b.mfa[ks.Name]
	var mfa api.Credentials
	if st != nil && st.creds.Expiration.Sub(b.now()) > time.Minute {
		mfa = st.creds
	}
	b.mfaMu.Unlock()
	if mfa.AccessKeyID != "" {
		return mfa, nil
	}
	if ks.MFASerial == "" {
		return api.Credentials{AccessKeyID: ks.AccessKeyID, SecretAccessKey: ks.SecretAccessKey}, nil
	}
	hint := fmt.Sprintf("add a profile with source: %s to %s, run 'spin mfa' for it, then 'spin keys rotate %s'", ks.Name, conf.Path, ks.Name)
	for _, p := range conf.Order {
		if conf.Profiles[p].Source == ks.Name {
			hint = fmt.Sprintf("run 'spin mfa %s', then 'spin keys rotate %s' again", p, ks.Name)
			break
		}
	}
	return api.Credentials{}, errorf(api.CodeMFARequired, hint, "key set %s has an MFA device: rotating its key needs an MFA session", ks.Name)
}

// keySetPartition is the AWS partition of a key set: from its MFA device
// or a role of a profile using it; aws when nothing says.
func keySetPartition(conf *profiles.Config, ks keystore.KeySet) string {
	arns := []string{ks.MFASerial}
	for _, p := range conf.Order {
		if pr := conf.Profiles[p]; pr.Source == ks.Name {
			arns = append(arns, pr.RoleARN, pr.MFASerial)
		}
	}
	for _, a := range arns {
		if strings.HasPrefix(a, "arn:") {
			return arnPartition(a) // console.go
		}
	}
	return "aws"
}

func twoKeysError(ks keystore.KeySet, keys []AccessKey) *api.Error {
	var other []string
	otherID := "ID"
	for _, k := range keys {
		if k.ID == ks.AccessKeyID {
			continue
		}
		state := "active"
		if !k.Active {
			state = "inactive"
		}
		other = append(other, fmt.Sprintf("%s (%s, not in spin)", k.ID, state))
		otherID = k.ID
	}
	return errorf(api.CodeConflict,
		fmt.Sprintf("delete the other key if nothing uses it ('aws iam delete-access-key --access-key-id %s'), or keep both and do not rotate; then run 'spin keys rotate %s' again",
			otherID, ks.Name),
		"key set %s: the IAM user already has two access keys, %s (key set %s) and %s; IAM allows two",
		ks.Name, ks.AccessKeyID, ks.Name, strings.Join(other, ", "))
}

func iamError(name, action string, err error) *api.Error {
	hint := "check the network path to IAM ('spin status' shows the endpoints in use), then run 'spin keys rotate " + name + "' again"
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "AccessDenied":
			hint = "the IAM user of key set " + name + " needs iam:" + action + " on itself (arn:aws:iam::ACCOUNT:user/${aws:username})"
		case "InvalidClientTokenId", "SignatureDoesNotMatch":
			hint = "the key of key set " + name + " no longer works: create one in the console and run 'spin keys add " + name + " --force'"
		default:
			hint = "run 'spin keys rotate " + name + "' again; it continues where it stopped"
		}
	}
	return errorf(api.CodeSTSFailed, hint, "key set %s: IAM %s: %s", name, action, stsMessage(err))
}

func isCode(err error, code string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == code
}

// loadKeySet reads a key set from the keyring, not from memory: rotation
// must see what is stored.
func (b *Broker) loadKeySet(ctx context.Context, conf *profiles.Config, name string) (keystore.KeySet, *api.Error) {
	b.keysMu.Lock()
	defer b.keysMu.Unlock()
	k, aerr := b.storeLocked(conf)
	if aerr != nil {
		return keystore.KeySet{}, aerr
	}
	ks, err := k.Get(ctx, name)
	switch {
	case errors.Is(err, keystore.ErrNotFound):
		return keystore.KeySet{}, b.noKeySet(ctx, k, name)
	case err != nil:
		return keystore.KeySet{}, errorf(api.CodeKeyring, "run 'spin doctor'", "read key set %s: %v", name, err)
	}
	return ks, nil
}

// saveKeySet stores ks and serves it from then on. Cached sessions stay:
// they were obtained legitimately and stay valid at AWS.
func (b *Broker) saveKeySet(ctx context.Context, conf *profiles.Config, ks keystore.KeySet) *api.Error {
	b.keysMu.Lock()
	defer b.keysMu.Unlock()
	k, aerr := b.storeLocked(conf)
	if aerr != nil {
		return aerr
	}
	if err := k.Put(ctx, ks); err != nil {
		return errorf(api.CodeKeyring, fmt.Sprintf("run 'spin doctor', then 'spin keys rotate %s' again", ks.Name), "store key set %s: %v", ks.Name, err)
	}
	b.cacheKeySet(ks.Name, &ks)
	return nil
}

// keyAgeWarning says when a key set's key is older than max.
func keyAgeWarning(ks keystore.KeySet, maxAge time.Duration, now time.Time) string {
	if ks.Created.IsZero() || maxAge <= 0 {
		return ""
	}
	age := now.Sub(ks.Created)
	if age <= maxAge {
		return ""
	}
	return fmt.Sprintf("the access key of key set %s is %s old, past keys.max_age (%s)", ks.Name, days(age), days(maxAge))
}

// keyWarnings are the age warnings of the key sets spind holds in memory
// (status answers from memory; 'spin keys list' reads the keyring).
func (b *Broker) keyWarnings(conf *profiles.Config) []api.KeyWarning {
	if conf == nil {
		return nil
	}
	b.cacheMu.Lock()
	defer b.cacheMu.Unlock()
	var out []api.KeyWarning
	for _, ks := range b.keyCache {
		if w := keyAgeWarning(ks, conf.Keys.MaxAge, b.now()); w != "" {
			out = append(out, api.KeyWarning{Name: ks.Name, Message: w})
		}
	}
	slices.SortFunc(out, func(a, b api.KeyWarning) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// days renders a key age the way people count it.
func days(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.String()
	case d < 48*time.Hour:
		return d.Round(time.Second).String()
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}
