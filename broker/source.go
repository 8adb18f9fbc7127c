package broker

import (
	"context"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/profiles"
)

// Source is where a profile's base identity comes from (DESIGN.md,
// "Sources"): a key set in the keyring, IAM Identity Center, the console
// sign-in or a CI's OIDC token. It decides how a session is made; the
// session cache above it (single flight, refresh-ahead, serving a valid
// cached session while AWS fails) is the same for every source.
type Source interface {
	// Direct returns credentials that bypass the session cache, such as a
	// key set's bootstrap profile; ok is false, without side effects, when
	// the profile's credentials are sessions the cache holds.
	Direct(ctx context.Context, req Request) (c api.Credentials, ok bool, aerr *api.Error)
	// Prepare runs on a cache miss in the caller's request, or in a
	// background refresh with CanPrompt false. It gets what a new session
	// needs that may involve the user (an MFA session, a sign-in), and
	// answers mfa_required or signin_required when that is missing; then it
	// returns the call that makes the session.
	Prepare(ctx context.Context, req Request) (Obtain, *api.Error)
	// Explain turns an Obtain error into the one line the caller sees,
	// naming the profile, the source and what to do next.
	Explain(req Request, err error) *api.Error
}

// Obtain makes one new session. The cache calls it inside its single
// flight, detached from any one caller, under its own deadline.
type Obtain func(ctx context.Context) (api.Credentials, error)

// Request is one profile's need for credentials.
type Request struct {
	// Conf is config.yaml as the request read it, once: sources use it
	// rather than look at the file again.
	Conf    *profiles.Config
	Profile profiles.Resolved
	// Def is the sources: entry the profile names; zero for a key set.
	Def profiles.SourceDef
	// SessionName is the cache key's session name: the caller's, else
	// the profile's rendered role_session_name.
	SessionName string
	// CanPrompt says the caller can ask the user (MFA code, sign-in).
	CanPrompt bool
	// Temporary says the caller takes session credentials only
	// (api.QueryTemporary).
	Temporary bool
}

// fingerprint is what a cached session must have been made with to still
// serve req: the source's settings and, for sso, the account and role.
func (r *Request) fingerprint() string {
	return r.Def.Fingerprint() + "|" + r.Profile.SSOAccountID + "|" + r.Profile.SSORoleName
}

// sourceFor routes a profile to its source's implementation.
func (b *Broker) sourceFor(conf *profiles.Config, p profiles.Resolved) (Source, profiles.SourceDef, *api.Error) {
	def, ok := conf.Sources[p.Source]
	if !ok {
		return b.keySets, profiles.SourceDef{}, nil
	}
	if src := b.sources[def.Kind]; src != nil {
		return src, def, nil
	}
	return nil, def, errorf(api.CodeBadRequest, "use a key set or a web_identity source for now",
		"profile %s: source %s is of kind %s, which this spind cannot serve yet", p.Name, p.Source, def.Kind)
}

// signinRequired is the answer for a source that needs the user to sign in
// (or, for web_identity, the CLI to hand over what only it can see).
func signinRequired(source string, kind profiles.SourceKind, hint, format string, args ...any) *api.Error {
	e := errorf(api.CodeSigninRequired, hint, format, args...)
	e.Source, e.SourceKind = source, string(kind)
	return e
}
