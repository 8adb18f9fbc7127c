// Package sdkread is the aws-sdk-go-v2 side of package sdkcheck: it reads
// AWS config and credentials files with the SDK's own shared-config loader
// and compares what it finds with what spin meant to write or import. The
// SDK's reader differs from a naive INI parser (quotes, inline comments,
// nested keys), so this is the check that matters before a file replaces
// the user's. Only spind (`spind __check-aws-files`) and tests link it.
package sdkread

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/cloudspin/spin/internal/sdkcheck"
)

// maxRequest bounds what Serve reads: an AWS config file is kilobytes.
const maxRequest = 16 << 20

// Serve answers one request read from stdin on stdout (a sdkcheck.Reply)
// and returns the exit status: 0 when it answered, whatever the answer.
func Serve(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) int {
	data, err := io.ReadAll(io.LimitReader(stdin, maxRequest))
	if err != nil {
		fmt.Fprintf(stderr, "spind: %s: reading the request: %v\n", sdkcheck.Command, err)
		return 2
	}
	r, err := sdkcheck.Decode(data)
	if err != nil {
		fmt.Fprintf(stderr, "spind: %s: bad request: %v\n", sdkcheck.Command, err)
		return 2
	}
	rep := sdkcheck.Reply{Checked: true}
	if err := Check(ctx, r); err != nil {
		rep.Problem = err.Error()
	}
	out, _ := json.Marshal(rep)
	if _, err := stdout.Write(append(out, '\n')); err != nil {
		return 1
	}
	return 0
}

// Check reads r's file with the SDK and returns the first profile that
// reads back differently than r says.
func Check(ctx context.Context, r sdkcheck.Request) error {
	// Config is not told apart by nil: an empty result (every profile of
	// the file removed) travels as no content at all (omitempty).
	switch {
	case r.CredentialsFile != "" && len(r.Config) == 0:
		return checkCredentials(ctx, r.CredentialsFile, r.MACKey, r.Profiles)
	case r.CredentialsFile == "" && r.ConfigTarget != "":
		return checkConfig(ctx, r.ConfigTarget, r.Config, r.Profiles)
	}
	return errors.New("a check names either a config file's target and content or a credentials file")
}

// checkConfig loads data, the next content of the config file target, and
// checks that every profile reads back as intended.
func checkConfig(ctx context.Context, target string, data []byte, want []sdkcheck.Profile) error {
	tmp, done, err := validationCopy(target, data)
	if err != nil {
		return fmt.Errorf("cannot check the result: %w", err)
	}
	defer done()
	files := func(o *config.LoadSharedConfigOptions) {
		o.ConfigFiles = []string{tmp}
		o.CredentialsFiles = []string{}
	}
	for _, p := range want {
		sc, err := loadSharedProfile(ctx, p.Name, files)
		var missing config.SharedConfigProfileNotExistError
		switch {
		case p.Removed && errors.As(err, &missing):
		case p.Removed:
			return fmt.Errorf("aws-sdk-go-v2 still reads profile %s after its removal", p.Name)
		case errors.As(err, &missing):
			return fmt.Errorf("aws-sdk-go-v2 does not find profile %s in the result", p.Name)
		case err != nil:
			return fmt.Errorf("aws-sdk-go-v2 cannot load profile %s from the result: %w", p.Name, err)
		case sc.CredentialProcess != p.CredentialProcess:
			return fmt.Errorf("aws-sdk-go-v2 would read profile %s's credential_process as %q, not %q", p.Name, sc.CredentialProcess, p.CredentialProcess)
		case sc.Region != p.Region:
			return fmt.Errorf("aws-sdk-go-v2 would read profile %s's region as %q, not %q", p.Name, sc.Region, p.Region)
		}
	}
	return nil
}

// checkCredentials reads each profile's key pair from the credentials file
// at path, in place (no copy of the secret is made), and compares the
// secret key with the HMAC under macKey that spin sent instead of it.
func checkCredentials(ctx context.Context, path string, macKey []byte, want []sdkcheck.Profile) error {
	for _, p := range want {
		sc, err := loadSharedProfile(ctx, p.Name, func(o *config.LoadSharedConfigOptions) {
			o.ConfigFiles = []string{}
			o.CredentialsFiles = []string{path}
		})
		if err != nil {
			return fmt.Errorf("aws-sdk-go-v2 cannot read profile %s from %s: %w", p.Name, path, err)
		}
		if sc.Credentials.AccessKeyID != p.AccessKeyID || !sdkcheck.SecretMatches(macKey, p, sc.Credentials.SecretAccessKey) {
			return fmt.Errorf("aws-sdk-go-v2 reads profile %s's keys in %s differently than spin does (quotes, comments or a repeated key?): add them with 'spin keys add %s' instead", p.Name, path, p.Name)
		}
	}
	return nil
}

// loadSharedProfile turns a panic of the SDK's reader into an error.
func loadSharedProfile(ctx context.Context, name string, files func(*config.LoadSharedConfigOptions)) (sc config.SharedConfig, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("its reader panics: %v", r)
		}
	}()
	return config.LoadSharedConfigProfile(ctx, name, files)
}
