package stackrun

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/profiles"
)

// Checker makes sure spind hands out a profile's credentials for a session
// name; the CLI's is spind's client, asking for an MFA code on the terminal
// when spind needs one. Its errors say what to run next (hint.Hinter).
type Checker interface {
	Check(ctx context.Context, profile, sessionName string) error
}

// preflight checks, for every profile the stack uses, that the AWS config
// file holds the profile as spin wrote it (else tofu's SDKs would not run
// the helper), then that spind hands out its credentials, for the same
// session name the helper will ask with, which also warms spind's cache.
// There is no timeout of its own: the checker may wait for the user to
// type an MFA code, and Ctrl-C cancels ctx.
func (r *Runner) preflight(ctx context.Context) error {
	uses := r.Inv.Credentials.Uses
	if r.Checker == nil || len(uses) == 0 {
		return nil
	}
	if err := checkAWSConfig(r.Inv.Env["AWS_CONFIG_FILE"], uses); err != nil {
		return err
	}
	if err := checkCredentialsFile(r.Inv.Env["HOME"], uses); err != nil {
		return err
	}
	for _, u := range uses {
		if err := r.Checker.Check(ctx, u.Profile, r.Inv.SessionName); err != nil {
			return preflightError(u, err)
		}
	}
	return nil
}

// preflightError says which profile failed, for which setting; the next
// step is spind's own (it knows the cause), else one for a timeout.
func preflightError(u ProfileUse, err error) error {
	err = fmt.Errorf("profile %s (from %s) has no credentials: %w", u.Profile, u.Setting, err)
	if hint.Of(err) == "" && errors.Is(err, context.DeadlineExceeded) {
		return hint.Wrap(err, "check 'spin status' and spind's log")
	}
	return err
}

// checkAWSConfig makes sure every profile is a section spin wrote in the
// AWS config file tofu will read. path "" skips the check.
func checkAWSConfig(path string, uses []ProfileUse) error {
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &hint.Error{Err: fmt.Errorf("the AWS config file %s does not exist, so tofu cannot find profile %s", path, uses[0].Profile),
			Next: "run 'spin profiles write'"}
	}
	if err != nil {
		return err
	}
	sections := map[string]profiles.Section{}
	for _, s := range profiles.ParseAWSConfig(data).Sections() {
		if name, ok := s.Profile(); ok {
			if _, dup := sections[name]; !dup {
				sections[name] = s
			}
		}
	}
	for _, u := range uses {
		s, ok := sections[u.Profile]
		switch {
		case !ok:
			return &hint.Error{Err: fmt.Errorf("profile %s (from %s) is not in %s", u.Profile, u.Setting, path),
				Next: "run 'spin profiles write'"}
		case !s.Managed:
			return &hint.Error{Err: fmt.Errorf("profile %s in %s:%d was not written by spin, so tofu would not get spin's credentials", u.Profile, path, s.Line),
				Next: "run 'spin profiles write --force' to replace it"}
		}
	}
	return nil
}

// checkCredentialsFile refuses a profile that also has keys in the
// credentials file tofu's SDKs read (the child gets no
// AWS_SHARED_CREDENTIALS_FILE, so ~/.aws/credentials): SDKs take those
// static keys before credential_process, and spin would be bypassed.
func checkCredentialsFile(home string, uses []ProfileUse) error {
	if home == "" {
		return nil
	}
	path := filepath.Join(home, ".aws", "credentials")
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, s := range profiles.ParseAWSConfig(data).Sections() {
		for _, u := range uses {
			if s.Type == "" && s.Name == u.Profile {
				return &hint.Error{
					Err:  fmt.Errorf("profile %s also has a section in %s:%d, whose keys AWS SDKs would use instead of spin's", u.Profile, path, s.Line),
					Next: fmt.Sprintf("move the keys into the keyring: spin keys import --from-credentials-file %s --remove (or rename one of the two)", u.Profile),
				}
			}
		}
	}
	return nil
}
