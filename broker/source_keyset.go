package broker

import (
	"context"
	"fmt"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/profiles"
)

// keySetSource is a key set's long-term keys in the keyring: AssumeRole
// with them, or with the key set's MFA session when it has an MFA device;
// bootstrap profiles (no role_arn) get the keys or the MFA session itself.
type keySetSource struct{ b *Broker }

func (s keySetSource) Direct(ctx context.Context, req Request) (api.Credentials, bool, *api.Error) {
	p := req.Profile
	if !p.Bootstrap() {
		return api.Credentials{}, false, nil
	}
	b := s.b
	ks, aerr := b.keySet(ctx, req.Conf, p.Source, p.Name)
	if aerr != nil {
		return api.Credentials{}, true, aerr
	}
	if mfaSerial(p, ks) == "" && req.Temporary {
		// spin exec: a GetSessionToken session, cached and refreshed like
		// a role's (Prepare), as aws-vault exec hands out.
		return api.Credentials{}, false, nil
	}
	if mfaSerial(p, ks) == "" {
		// No MFA, so GetSessionToken would give credentials IAM refuses
		// for IAM calls: hand over the long-term keys, without Expiration,
		// but only if the key set itself allows it (a config edit must not).
		if !ks.AllowExport {
			return api.Credentials{}, true, errorf(api.CodeExportRefused,
				fmt.Sprintf("run 'spin keys allow-export %s' (or give profile %s a role_arn or an mfa_serial)", p.Source, p.Name),
				"profile %s would hand out the long-term keys of key set %s, which that key set does not allow", p.Name, p.Source)
		}
		peer := describeProcess(peerPID(ctx))
		b.log.Warn("long-term keys handed out", "profile", p.Name, "key_set", p.Source,
			"access_key_id", secret.MaskKeyID(ks.AccessKeyID), "pid", peer.PID, "exe", peer.Exe,
			"ppid", peer.PPID, "parent_exe", peer.ParentExe)
		return api.Credentials{AccessKeyID: ks.AccessKeyID, SecretAccessKey: ks.SecretAccessKey}, true, nil
	}
	c, aerr := b.mfaSession(ctx, p, req.CanPrompt)
	if aerr != nil {
		return api.Credentials{}, true, aerr
	}
	c.Expiration = c.Expiration.Add(-profiles.ExpirySkew(p.MFADuration))
	// GetSessionToken does not say the account; an MFA device's ARN does.
	c.AccountID = accountOf(mfaSerial(p, ks))
	return c, true, nil
}

// Prepare reads the key set (from memory after the first time) and, for an
// MFA key set, its MFA session: asked only on a cache miss, so a cached
// role session stays good even when the MFA session is near its end.
func (s keySetSource) Prepare(ctx context.Context, req Request) (Obtain, *api.Error) {
	b, p := s.b, req.Profile
	ks, aerr := b.keySet(ctx, req.Conf, p.Source, p.Name)
	if aerr != nil {
		return nil, aerr
	}
	caller := api.Credentials{AccessKeyID: ks.AccessKeyID, SecretAccessKey: ks.SecretAccessKey}
	if mfaSerial(p, ks) != "" {
		// Roles are assumed from the MFA session, so they carry MFA context.
		if caller, aerr = b.mfaSession(ctx, p, req.CanPrompt); aerr != nil {
			return nil, aerr
		}
	}
	if p.Bootstrap() {
		// Only a temporary request without MFA gets here (Direct): a
		// session of the key set itself. Without MFA, IAM refuses its
		// calls to IAM; everything else works as with the keys.
		return func(ctx context.Context) (api.Credentials, error) {
			return b.cfg.STS.GetSessionToken(ctx, caller, SessionTokenInput{Region: p.Region, Duration: p.Duration})
		}, nil
	}
	return func(ctx context.Context) (api.Credentials, error) {
		in := assumeRoleInput(p, req.SessionName)
		c, err := b.cfg.STS.AssumeRole(ctx, caller, in)
		if err != nil && caller.SessionToken.IsZero() && isCode(err, "InvalidClientTokenId") {
			// A rotation (rotate.go) may have made a new key current and
			// deleted this one while the call was on its way.
			if cur, ok := b.cachedKeySet(p.Source); ok && cur.AccessKeyID != caller.AccessKeyID {
				return b.cfg.STS.AssumeRole(ctx, api.Credentials{AccessKeyID: cur.AccessKeyID, SecretAccessKey: cur.SecretAccessKey}, in)
			}
		}
		return c, err
	}, nil
}

func (s keySetSource) Explain(req Request, err error) *api.Error {
	p := req.Profile
	if p.Bootstrap() {
		return errorf(api.CodeSTSFailed, stsHint(err, p.Source, p.Name),
			"profile %s (key set %s): get a session token: %s", p.Name, p.Source, stsMessage(err))
	}
	return errorf(api.CodeSTSFailed, stsHint(err, p.Source, p.Name),
		"profile %s (key set %s): assume %s: %s", p.Name, p.Source, p.RoleARN, stsMessage(err))
}
