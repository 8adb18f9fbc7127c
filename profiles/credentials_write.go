package profiles

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/cloudspin/spin/internal/sdkcheck"
)

// CheckWithSDK reads profile c.Profile from the credentials file at path
// with aws-sdk-go-v2's own loader (in spind: see internal/sdkcheck) and
// fails unless it finds the same key pair. spin must store exactly the key
// AWS tools use today; the check reads the user's file in place, so it
// makes no copy of the secret.
func CheckWithSDK(ctx context.Context, path string, c Credentials) error {
	return sdkcheck.Run(ctx, sdkcheck.Request{CredentialsFile: path, Profiles: []sdkcheck.Profile{
		{Name: c.Profile, AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey},
	}})
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
	u := &Update{}
	var err error
	u.Path, u.Written, err = editFile(ctx, path, false, func(target string, old []byte) ([]byte, error) {
		doc := ParseAWSConfig(old)
		u.Old = old
		removed, err := edit(doc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", target, err)
		}
		u.New = doc.Render()
		if bytes.Equal(old, u.New) {
			return nil, nil
		}
		after := ParseAWSConfig(u.New)
		for _, name := range removed {
			if _, err := ReadCredentials(after, name); !errors.Is(err, ErrNoCredentials) {
				return nil, fmt.Errorf("refusing to write %s: profile %s would still hold a key", target, name)
			}
		}
		return u.New, nil
	})
	return u, err
}
