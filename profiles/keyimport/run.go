package keyimport

import (
	"cmp"
	"context"
	"fmt"
	"io"

	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/profiles"
)

// Out is where an import says what it did: results to Stdout, notes and
// warnings to Stderr.
type Out struct {
	Stdout, Stderr io.Writer
}

// OpenStore reaches spind (starting it if needed) and returns what closes
// the connection.
type OpenStore func(ctx context.Context) (KeyStore, func(), error)

// KeySetOptions are the flags of `spin keys import`.
type KeySetOptions struct {
	From, Name    string // Name "" is From
	Remove, Force bool
}

// RunKeySetImport is `spin keys import`: plan (spind is reached only once
// the plan holds), store through spind, then with Remove delete the
// plaintext key, saying what happened.
func RunKeySetImport(ctx context.Context, getenv func(string) string, o KeySetOptions, open OpenStore, out Out) error {
	name := cmp.Or(o.Name, o.From)
	credPath, err := profiles.CredentialsPath(getenv)
	if err != nil {
		return err
	}
	confPath, err := profiles.AWSConfigPath(getenv)
	if err != nil {
		return err
	}
	imp, err := PlanKeySetImport(ctx, credPath, confPath, o.From, name, o.Remove, o.Force)
	if err != nil {
		return err
	}
	ks, done, err := open(ctx)
	if err != nil {
		return err
	}
	defer done()
	backend, removed, err := imp.Apply(ctx, ks, o.Force)
	if backend != "" {
		fmt.Fprintf(out.Stdout, "stored key set %s (%s) from [%s] of %s in the %s keyring\n", name, secret.MaskKeyID(imp.Key.AccessKeyID), o.From, credPath, backend)
	}
	if err != nil {
		return err
	}
	PrintUsers(out.Stderr, o.From, credPath, imp.Users, imp.Keep, "run 'spin profiles import': it adopts them and then removes the keys; or remove the keys anyway with --force")
	if !o.Remove {
		fmt.Fprintf(out.Stderr, "spin: note: the plaintext key is still in %s\n", credPath)
		fmt.Fprintf(out.Stderr, "spin: hint: run 'spin keys import --from-credentials-file %s --name %s --remove --force' to delete it\n", o.From, name)
	}
	PrintRemovals(out.Stdout, out.Stderr, removed)
	return nil
}

// RunProfilesImport is `spin profiles import`: adopt the role_arn +
// source_profile profiles of s's AWS config file, their keys through
// spind (which the plan asks for the key sets already stored); with
// dryRun only say what would be adopted.
func RunProfilesImport(ctx context.Context, s *profiles.Setup, getenv func(string) string, force, dryRun bool, open OpenStore, out Out) error {
	credPath, err := profiles.CredentialsPath(getenv)
	if err != nil {
		return err
	}
	ks, done, err := open(ctx)
	if err != nil {
		return err
	}
	defer done()
	imp, err := PlanProfilesImport(ctx, s.Config, s.Helper, s.AWSPath, credPath, ks, force)
	if err != nil {
		return err
	}
	imp.getenv = getenv // the token caches are under the same HOME as the files
	for _, k := range imp.Skipped {
		fmt.Fprintf(out.Stderr, "spin: warning: skipped %s\n", k)
	}
	if len(imp.Profiles) == 0 {
		fmt.Fprintf(out.Stderr, "spin: no role_arn + source_profile, SSO or login_session profiles to import from %s\n", s.AWSPath)
		return nil
	}
	var removed []Removal
	if !dryRun {
		if removed, err = imp.Apply(ctx, ks); err != nil {
			return err
		}
	}
	imp.Report(out.Stdout, out.Stderr, dryRun, removed)
	return nil
}
