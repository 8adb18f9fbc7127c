// Package keyimport moves plaintext keys out of ~/.aws/credentials into
// the keyring, with `spin keys import` (one key pair) and `spin profiles
// import` (role profiles, their source's keys, config.yaml and
// ~/.aws/config). The order of the steps is what makes a failure part-way
// lose nothing: every check runs before anything is stored; the keys are
// stored and read back from spind; then config.yaml is written, then
// ~/.aws/config; and the plaintext key is removed last. It is its own
// package so that profiles, which stackrun reads, does not link spind's
// API types.
package keyimport

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/keyinput"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/profiles"
)

// KeyStore is where imported keys go: spind, through *client.Client.
type KeyStore interface {
	ListKeys(ctx context.Context) ([]api.KeyInfo, error)
	PutKey(ctx context.Context, name string, k api.KeyRequest) error
	Status(ctx context.Context) (api.Status, error)
	// ImportSignin hands spind a token the AWS CLI cached for a source.
	ImportSignin(ctx context.Context, source string, in api.SigninImport) (api.SigninImported, error)
}

// ReadAWSFile reads and parses an AWS config or credentials file; a
// missing file is an empty one.
func ReadAWSFile(path string) (*profiles.AWSConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return profiles.ParseAWSConfig(data), nil
}

// KeySetImport is `spin keys import`, checked and ready to apply.
type KeySetImport struct {
	CredentialsPath string
	From            string             // the credentials file's profile
	Key             profiles.KeyImport // Profile is the key set's name
	Remove          bool
	// Users are the AWS config file's profiles that name From as their
	// source_profile. Without force the keys then stay in the file (Keep):
	// those profiles would break; `spin profiles import` adopts them and
	// removes the keys after.
	Users []profiles.ImportSkip
	Keep  bool
}

// PlanKeySetImport reads profile from of the credentials file and checks
// that it can move into key set name: a long-term key pair that
// aws-sdk-go-v2 reads the same way and, with remove, one that can be
// deleted from the file and that no profile left in the config file needs
// (or force). mfa_serial comes from the config file.
func PlanKeySetImport(ctx context.Context, credPath, confPath, from, name string, remove, force bool) (*KeySetImport, error) {
	creds, err := ReadAWSFile(credPath)
	if err != nil {
		return nil, err
	}
	if fi, serr := os.Stat(from); strings.ContainsRune(from, os.PathSeparator) || serr == nil && fi.Mode().IsRegular() {
		// A file name where a profile name belongs: say which is which.
		return nil, hint.Wrap(fmt.Errorf("--from-credentials-file takes a profile of the credentials file (the NAME of its [NAME] section), not the file %s", from),
			fmt.Sprintf("to read another credentials file: AWS_SHARED_CREDENTIALS_FILE=%s spin keys import --from-credentials-file PROFILE", from))
	}
	c, err := profiles.ReadCredentials(creds, from)
	if errors.Is(err, profiles.ErrNoCredentials) {
		return nil, hint.Wrap(fmt.Errorf("%s: %w", credPath, err), "the profile may use SSO or another credential source; add keys with 'spin keys add "+name+"'")
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", credPath, err)
	}
	if _, err := keyinput.Check(c.AccessKeyID, c.SecretAccessKey); err != nil {
		return nil, fmt.Errorf("%s: profile %s: %w", credPath, from, err)
	}
	if err := profiles.CheckWithSDK(ctx, credPath, c); err != nil {
		return nil, err
	}
	if remove { // find out now whether removal will work, before storing anything
		if err := profiles.ParseAWSConfig(creds.Render()).RemoveCredentials(from, c.AccessKeyID); err != nil {
			return nil, fmt.Errorf("%s: %w", credPath, err)
		}
	}
	conf, err := ReadAWSFile(confPath)
	if err != nil {
		return nil, err
	}
	mfa := profiles.MFASerialOf(conf, creds, from)
	c.Profile = name
	imp := &KeySetImport{CredentialsPath: credPath, From: from, Key: profiles.KeyImport{Credentials: c, MFASerial: mfa}, Remove: remove}
	if remove {
		imp.Users = profiles.SourceUsers(conf, from, nil)
		imp.Keep = len(imp.Users) > 0 && !force
	}
	return imp, nil
}

// Apply stores the key set in ks and, with Remove, then deletes it from the
// credentials file. It returns the keyring backend and what was removed.
func (p *KeySetImport) Apply(ctx context.Context, ks KeyStore, force bool) (backend string, removed []Removal, err error) {
	if backend, err = StoreKeys(ctx, ks, []profiles.KeyImport{p.Key}, force); err != nil || !p.Remove || p.Keep {
		return backend, nil, err
	}
	k := p.Key
	k.Profile = p.From
	removed, err = RemoveImportedKeys(ctx, p.CredentialsPath, []profiles.KeyImport{k})
	return backend, removed, err
}

// StoreKeys stores each key set in ks and reads the list back, so the
// plaintext is removed only once spind holds the key. Without force, an
// existing key set of any of the names stops it before anything is stored.
func StoreKeys(ctx context.Context, ks KeyStore, keys []profiles.KeyImport, force bool) (backend string, err error) {
	listed := func() (map[string]api.KeyInfo, error) {
		list, err := ks.ListKeys(ctx)
		m := map[string]api.KeyInfo{}
		for _, k := range list {
			m[k.Name] = k
		}
		return m, err
	}
	have, err := listed()
	if err != nil {
		return "", err
	}
	for _, k := range keys {
		// A key set that already holds this key is put again without
		// force: spind accepts the same key and refuses another.
		if info, ok := have[k.Profile]; ok && !force && info.AccessKeyID != secret.MaskKeyID(k.AccessKeyID) {
			return "", hint.Wrap(fmt.Errorf("key set %s already exists with another key (%s)", k.Profile, info.AccessKeyID), "add --force to replace it (nothing was changed)")
		}
	}
	for _, k := range keys {
		err := ks.PutKey(ctx, k.Profile, api.KeyRequest{
			AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey, MFASerial: k.MFASerial, Force: force,
		})
		if err != nil {
			return "", fmt.Errorf("store key set %s: %w (nothing was removed)", k.Profile, err)
		}
	}
	if have, err = listed(); err != nil {
		return "", err
	}
	for _, k := range keys {
		if got := have[k.Profile].AccessKeyID; got != secret.MaskKeyID(k.AccessKeyID) {
			return "", fmt.Errorf("spind does not list key set %s with key %s after storing it (it lists %q); nothing was removed", k.Profile, secret.MaskKeyID(k.AccessKeyID), got)
		}
	}
	st, err := ks.Status(ctx)
	return st.Backend, err
}

// Removal is one profile whose keys left the credentials file. StillAt
// are the lines where its secret is still written (another profile or a
// comment), for a warning.
type Removal struct {
	Path    string
	Profile string
	StillAt []int
}

// RemoveImportedKeys deletes the stored keys from the credentials file at
// path.
func RemoveImportedKeys(ctx context.Context, path string, keys []profiles.KeyImport) ([]Removal, error) {
	u, err := profiles.UpdateCredentials(ctx, path, func(doc *profiles.AWSConfig) ([]string, error) {
		var names []string
		for _, k := range keys {
			if err := doc.RemoveCredentials(k.Profile, k.AccessKeyID); err != nil {
				return nil, err
			}
			names = append(names, k.Profile)
		}
		return names, nil
	})
	if err != nil {
		return nil, hint.Wrap(fmt.Errorf("the keys are stored, but removing them failed: %w", err), "fix it and run 'spin keys import --from-credentials-file SOURCE --remove --force', or delete them from "+path+" yourself")
	}
	after := profiles.ParseAWSConfig(u.New)
	out := make([]Removal, len(keys))
	for i, k := range keys {
		out[i] = Removal{Path: u.Path, Profile: k.Profile, StillAt: after.LinesContaining(k.SecretAccessKey.Reveal())}
	}
	return out, nil
}
