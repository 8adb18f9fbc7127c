package keyimport

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/keyinput"
	"github.com/cloudspin/spin/profiles"
)

// ProfilesImport is `spin profiles import`, planned and checked.
type ProfilesImport struct {
	*profiles.ImportPlan
	cfgPath, awsPath, credPath string
	helper                     profiles.Helper
	force                      bool
	// getenv finds the AWS CLI's SSO token cache (HOME).
	getenv func(string) string
	// tokens are what Apply did with each cached SSO token.
	tokens []TokenResult
}

// TokenResult is what became of one SSO token the AWS CLI had cached.
type TokenResult struct {
	profiles.TokenImport
	Path    string
	Missing bool  // no cache file (or no usable token in it): a sign-in is needed
	Err     error // spind refused it; the file stays
	Removed bool  // moved into the keyring and the file deleted
}

// PlanProfilesImport works out which role profiles of the AWS config file
// at awsPath move into cfg (with their source's keys out of the
// credentials file at credPath, or already in ks), and checks every step
// that can be checked before anything is stored: config.yaml takes the
// profiles, each key pair is long-term and read the same way by
// aws-sdk-go-v2, and no key set of ks holds another key under a source's
// name. A dry run prints this plan: the real run does what it says.
func PlanProfilesImport(ctx context.Context, cfg *profiles.Config, h profiles.Helper, awsPath, credPath string, ks KeyStore, force bool) (*ProfilesImport, error) {
	conf, err := ReadAWSFile(awsPath)
	if err != nil {
		return nil, err
	}
	creds, err := ReadAWSFile(credPath)
	if err != nil {
		return nil, err
	}
	stored, err := storedKeys(ctx, ks)
	if err != nil {
		return nil, err
	}
	plan, err := profiles.PlanImport(conf, creds, cfg, stored, force)
	var pe *profiles.ProfileExistsError
	if errors.As(err, &pe) {
		return nil, hint.Wrap(err, "rename them in "+awsPath+" or remove them from "+pe.Path+", or replace them with --force (nothing was changed)")
	}
	var ce *profiles.KeySetConflictError
	if errors.As(err, &ce) {
		return nil, hint.Wrap(err, "replace them with --force, or rename the source profile in "+awsPath+" and "+credPath+" (nothing was changed)")
	}
	if err != nil {
		return nil, err
	}
	p := &ProfilesImport{ImportPlan: plan, cfgPath: cfg.Path, awsPath: awsPath, credPath: credPath, helper: h, force: force, getenv: os.Getenv}
	if len(plan.Profiles) == 0 {
		return p, nil
	}
	cur, err := os.ReadFile(cfg.Path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if _, err := profiles.InsertImport(cfg.Path, cur, p.sources(), p.add(), force); err != nil {
		return nil, err
	}
	for _, k := range plan.Keys {
		if _, err := keyinput.Check(k.AccessKeyID, k.SecretAccessKey); err != nil {
			return nil, fmt.Errorf("%s: profile %s: %w", credPath, k.Profile, err)
		}
		if err := profiles.CheckWithSDK(ctx, credPath, k.Credentials); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (p *ProfilesImport) sources() []profiles.SourceDef {
	defs := make([]profiles.SourceDef, len(p.Sources))
	for i, s := range p.Sources {
		defs[i] = s.Def
	}
	return defs
}

func (p *ProfilesImport) add() []profiles.Profile {
	add := make([]profiles.Profile, len(p.Profiles))
	for i, pi := range p.Profiles {
		add[i] = pi.Profile
	}
	return add
}

// Apply stores the keys in ks, adds the profiles to config.yaml, rewrites
// them in the AWS config file as spin's, and removes the plaintext keys.
// A failure after the keys are stored says how to finish the job.
func (p *ProfilesImport) Apply(ctx context.Context, ks KeyStore) ([]Removal, error) {
	if _, err := StoreKeys(ctx, ks, p.Keys, p.force); err != nil {
		return nil, err
	}
	if err := profiles.WriteConfigImport(ctx, p.cfgPath, p.sources(), p.add(), p.force); err != nil {
		return nil, hint.Wrap(fmt.Errorf("the keys are stored, but %w", err), "fix it and run 'spin profiles import --force' again")
	}
	if err := p.adopt(ctx); err != nil {
		return nil, hint.Wrap(fmt.Errorf("the keys are stored and %s has the profiles, but %w", p.cfgPath, err), "fix it and run 'spin profiles import --force' again")
	}
	p.importTokens(ctx, ks)
	var remove []profiles.KeyImport
	for _, k := range p.Keys {
		if !k.Keep {
			remove = append(remove, k)
		}
	}
	if len(remove) == 0 {
		return nil, nil
	}
	return RemoveImportedKeys(ctx, p.credPath, remove)
}

// storedKeys maps the key sets ks holds to their masked access key ids.
func storedKeys(ctx context.Context, ks KeyStore) (map[string]string, error) {
	list, err := ks.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list the key sets spind holds: %w", err)
	}
	m := make(map[string]string, len(list))
	for _, k := range list {
		m[k.Name] = k.AccessKeyID
	}
	return m, nil
}

// adopt rewrites the imported profiles of the AWS config file as spin
// profiles, with config.yaml (now holding them) resolving their regions.
func (p *ProfilesImport) adopt(ctx context.Context) error {
	cfg, err := profiles.Load(p.cfgPath)
	if err != nil {
		return err
	}
	want := make([]profiles.AWSProfile, len(p.Profiles))
	for i, pi := range p.Profiles {
		r, err := cfg.Resolve(pi.Profile.Name)
		if err != nil {
			return err
		}
		want[i] = profiles.AWSProfile{Name: pi.Profile.Name, Region: r.Region}
	}
	_, err = profiles.UpdateAWSConfig(ctx, p.awsPath, false, func(doc *profiles.AWSConfig) ([]profiles.Change, error) {
		return profiles.AdoptProfiles(doc, p.helper, want, p.Profiles)
	})
	return err
}

// importTokens moves each SSO token the AWS CLI cached for an imported
// source into spind (which checks it with one refresh) and deletes the
// cache file unless a profile left behind still signs in with it. A
// token that is missing or refused only means a sign-in: the profiles are
// imported either way.
func (p *ProfilesImport) importTokens(ctx context.Context, ks KeyStore) {
	for _, t := range p.Tokens {
		r := TokenResult{TokenImport: t}
		path, err := t.CachePath(p.getenv)
		if err != nil {
			r.Err = err
			p.tokens = append(p.tokens, r)
			continue
		}
		r.Path = path
		data, err := os.ReadFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			r.Missing = true
		case err != nil:
			r.Err = err
		default:
			_, err = ks.ImportSignin(ctx, t.Source, api.SigninImport{Cache: string(data), Session: t.CacheKey})
			clear(data)
			var ce interface{ Code() string }
			switch {
			case errors.As(err, &ce) && ce.Code() == api.CodeSigninRequired:
				r.Missing, r.Err = true, err
			case err != nil:
				r.Err = err
			case len(t.Users) == 0:
				if err := os.Remove(path); err != nil {
					r.Err = fmt.Errorf("the token is in the keyring, but %w", err)
				} else {
					r.Removed = true
				}
			}
		}
		p.tokens = append(p.tokens, r)
	}
}
