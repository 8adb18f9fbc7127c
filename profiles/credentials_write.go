package profiles

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/config"
)

// CheckWithSDK reads profile c.Profile from the credentials file at path
// with aws-sdk-go-v2's own loader and fails unless it finds the same key
// pair. spin must store exactly the key AWS tools use today; the check
// reads the user's file in place, so it makes no copy of the secret.
func CheckWithSDK(ctx context.Context, path string, c Credentials) error {
	sc, err := loadSharedProfile(ctx, c.Profile, func(o *config.LoadSharedConfigOptions) {
		o.ConfigFiles = []string{}
		o.CredentialsFiles = []string{path}
	})
	if err != nil {
		return fmt.Errorf("aws-sdk-go-v2 cannot read profile %s from %s: %w", c.Profile, path, err)
	}
	if sc.Credentials.AccessKeyID != c.AccessKeyID || sc.Credentials.SecretAccessKey != c.SecretAccessKey.Reveal() {
		return fmt.Errorf("aws-sdk-go-v2 reads profile %s's keys in %s differently than spin does (quotes, comments or a repeated key?): add them with 'spin keys add %s' instead", c.Profile, path, c.Profile)
	}
	return nil
}

// UpdateCredentials applies edit to the credentials file at path, the way
// UpdateAWSConfig edits the config file: it locks a sibling
// PATH.spin.lock, reads the file, edits it and replaces it atomically with
// its mode kept and a symlink followed. edit returns the profiles whose keys
// it removed; the result must hold no key for any of them.
//
// Unlike UpdateAWSConfig it keeps no PATH.spin.bak: the point of the edit
// is to take a plaintext key off the disk, and a backup would keep it
// there. The edit only deletes whole lines, and the pure RemoveCredentials
// has checked each one; that is the safety the backup gives elsewhere. (The
// old file's blocks are freed, not wiped; rewriting in place would not wipe
// them either on journaling or copy-on-write filesystems.)
func UpdateCredentials(ctx context.Context, path string, edit func(*AWSConfig) ([]string, error)) (*Update, error) {
	target, err := resolveConfig(path)
	if err != nil {
		return nil, err
	}
	u := &Update{Path: target}
	unlock, err := lockForWrite(ctx, target)
	if err != nil {
		return u, err
	}
	defer unlock()
	fi, err := os.Stat(target)
	if err != nil {
		return u, err
	}
	old, err := os.ReadFile(target)
	if err != nil {
		return u, err
	}
	doc := ParseAWSConfig(old)
	u.Old = old
	removed, err := edit(doc)
	if err != nil {
		return u, fmt.Errorf("%s: %w", target, err)
	}
	u.New = doc.Render()
	if bytes.Equal(old, u.New) {
		return u, nil
	}
	after := ParseAWSConfig(u.New)
	for _, name := range removed {
		if _, err := ReadCredentials(after, name); !errors.Is(err, ErrNoCredentials) {
			return u, fmt.Errorf("refusing to write %s: profile %s would still hold a key", target, name)
		}
	}
	// Root passes any mode check; an immutable file fails even for root.
	if err := writable(target, false); err != nil {
		return u, fmt.Errorf("cannot write %s: %w", target, err)
	}
	if err := writeFileAtomic(target, u.New, fi.Mode().Perm()); err != nil {
		return u, fmt.Errorf("cannot write %s: %w", target, err)
	}
	u.Written = true
	return u, nil
}
