package broker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/broker/awssso"
	"github.com/cloudspin/spin/internal/awsnet"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/keystore"
	"github.com/cloudspin/spin/profiles"
)

// ssoSource serves profiles of sso sources: GetRoleCredentials for the
// profile's account and permission set with the source's access token,
// then AssumeRole on top when the profile names a role_arn. The token
// state of each source (awssso.Source) lives here for spind's lifetime.
type ssoSource struct {
	b  *Broker
	mu sync.Mutex
	// by source name; replaced when the source's settings change
	states map[string]*ssoState
}

type ssoState struct {
	fingerprint string
	src         *awssso.Source
}

// state returns the token state of source def, made on first use.
func (s *ssoSource) state(def profiles.SourceDef) *awssso.Source {
	s.mu.Lock()
	defer s.mu.Unlock()
	fp := def.Fingerprint()
	if st := s.states[def.Name]; st != nil && st.fingerprint == fp {
		return st.src
	}
	scopes := def.SSO.Scopes
	if len(scopes) == 0 {
		scopes = []string{profiles.DefaultSSOScope}
	}
	src := &awssso.Source{
		Name:   def.Name,
		Client: &awssso.Client{StartURL: def.SSO.StartURL, Region: def.SSO.Region, Scopes: scopes, Route: s.route},
		Store:  sourceStore{s.b},
		Now:    s.b.now,
		Logger: s.b.log,
	}
	if s.states == nil {
		s.states = map[string]*ssoState{}
	}
	s.states[def.Name] = &ssoState{fingerprint: fp, src: src}
	return src
}

// forgetAll drops every source's token state from memory (spin lock); the
// keyring still holds it, read again on first use after the unlock. It
// drops the states rather than emptying them: a state's lock is held
// across a refresh that waits for keysMu, which the lock's caller holds.
func (s *ssoSource) forgetAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.states = nil
}

// route sends SSO and SSO OIDC calls where spind's endpoints and network
// settings say.
func (s *ssoSource) route(svc string) (string, *http.Client, error) {
	return s.b.Route(awsnet.Service(svc))
}

func (s *ssoSource) Direct(context.Context, Request) (api.Credentials, bool, *api.Error) {
	return api.Credentials{}, false, nil
}

// Prepare fails at once, without calling AWS, when the source has never
// been signed in (or was signed out): every caller gets the same one-line
// hint and no device authorization is started behind their back.
func (s *ssoSource) Prepare(ctx context.Context, req Request) (Obtain, *api.Error) {
	src := s.state(req.Def)
	ok, err := src.SignedIn(ctx)
	if err != nil {
		return nil, keyringError(req, err)
	}
	if !ok {
		return nil, ssoSigninRequired(req.Def.Name)
	}
	p := req.Profile
	return func(ctx context.Context) (api.Credentials, error) {
		creds, err := src.RoleCredentials(ctx, p.SSOAccountID, p.SSORoleName)
		if err != nil || p.RoleARN == "" {
			return creds, err
		}
		return s.b.cfg.STS.AssumeRole(ctx, creds, assumeRoleInput(p, req.SessionName))
	}, nil
}

func ssoSigninRequired(source string) *api.Error {
	return signinRequired(source, profiles.KindSSO, fmt.Sprintf("run 'spin login %s'", source),
		"source %s needs a sign-in", source)
}

func keyringError(req Request, err error) *api.Error {
	if errors.Is(err, keystore.ErrLocked) {
		return errorf(api.CodeLocked, "run 'spin unlock'", "the keyring is locked")
	}
	var aerr *api.Error
	if errors.As(err, &aerr) {
		return aerr
	}
	return errorf(api.CodeKeyring, "run 'spin doctor'", "profile %s: read the tokens of source %s: %v", req.Profile.Name, req.Def.Name, err)
}

func (s *ssoSource) Explain(req Request, err error) *api.Error {
	p := req.Profile
	if awssso.NeedsSignin(err) {
		return ssoSigninRequired(req.Def.Name)
	}
	var aerr *api.Error
	if errors.As(err, &aerr) {
		return aerr
	}
	if msg, hint, ok := noAnswer(err); ok {
		return errorf(api.CodeSTSFailed, hint, "profile %s (source %s): %s", p.Name, p.Source, msg)
	}
	if p.RoleARN != "" && !strings.Contains(err.Error(), "GetRoleCredentials") && !strings.Contains(err.Error(), "access token") {
		return errorf(api.CodeSTSFailed, stsHint(err, p.Source, p.Name),
			"profile %s (source %s): assume %s: %s", p.Name, p.Source, p.RoleARN, stsMessage(err))
	}
	return errorf(api.CodeSTSFailed, "check sso_account_id and sso_role_name, or run 'spin login "+req.Def.Name+"'",
		"profile %s (source %s): %v", p.Name, req.Def.Name, err)
}

// sourceStore keeps a source's tokens in the keyring, opened on first use,
// one item per source. A keyring without source items (a test fake) keeps
// them in memory only.
type sourceStore struct{ b *Broker }

type sourceItems interface {
	PutSource(ctx context.Context, name string, data secret.String) error
	GetSource(ctx context.Context, name string) (secret.String, error)
	RemoveSource(ctx context.Context, name string) error
}

func (s sourceStore) items() (sourceItems, error) {
	conf, aerr := s.b.config()
	if aerr != nil {
		return nil, aerr
	}
	s.b.keysMu.Lock()
	defer s.b.keysMu.Unlock()
	k, aerr := s.b.storeLocked(conf)
	if aerr != nil {
		return nil, aerr
	}
	it, _ := k.(sourceItems)
	return it, nil
}

func (s sourceStore) PutSource(ctx context.Context, name string, data secret.String) error {
	it, err := s.items()
	if err != nil || it == nil {
		return err
	}
	return it.PutSource(ctx, name, data)
}

func (s sourceStore) GetSource(ctx context.Context, name string) (secret.String, error) {
	it, err := s.items()
	if err != nil || it == nil {
		return secret.String{}, err
	}
	data, err := it.GetSource(ctx, name)
	if errors.Is(err, keystore.ErrNotFound) {
		return secret.String{}, nil
	}
	return data, err
}

func (s sourceStore) RemoveSource(ctx context.Context, name string) error {
	it, err := s.items()
	if err != nil || it == nil {
		return err
	}
	return it.RemoveSource(ctx, name)
}
