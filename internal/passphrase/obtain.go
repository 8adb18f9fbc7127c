package passphrase

import (
	"errors"
	"fmt"

	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/internal/secret"
)

// Ask reads a line without echo after showing prompt (the terminal).
type Ask func(prompt string) (secret.String, error)

const noPassphraseHint = "set SPIN_KEYRING_PASSPHRASE or run 'spin unlock' in a terminal"

// Obtain is the passphrase spin hands a locked file keyring: fromEnv
// (SPIN_KEYRING_PASSPHRASE) when set, checked against the floor if the
// keyring is new; else asked, twice for a new keyring, since a typo in a
// passphrase typed once, unseen, would lock the user out of every key set
// stored after it.
func Obtain(fromEnv secret.String, isNew bool, ask Ask) (secret.String, error) {
	switch {
	case !fromEnv.IsZero() && isNew:
		// spind checks too; saying it here names the variable.
		if err := Check(fromEnv.Reveal()); err != nil {
			return secret.String{}, hint.Wrap(fmt.Errorf("SPIN_KEYRING_PASSPHRASE: %w", err), "set a longer SPIN_KEYRING_PASSPHRASE, or unset it to be asked")
		}
		return fromEnv, nil
	case !fromEnv.IsZero():
		return fromEnv, nil
	case !isNew:
		p, err := ask("spin keyring passphrase: ")
		if err != nil {
			return secret.String{}, hint.Wrap(fmt.Errorf("the file keyring is locked: %w", err), noPassphraseHint)
		}
		return p, nil
	}
	p1, err := ask(fmt.Sprintf("new spin keyring passphrase (at least %d characters): ", MinLength))
	if err != nil {
		return secret.String{}, hint.Wrap(fmt.Errorf("the new file keyring needs a passphrase: %w", err), noPassphraseHint)
	}
	if err := Check(p1.Reveal()); err != nil {
		// spind stays up, locked: after `spin daemon start` too, the
		// next step is an unlock, not the start again.
		return secret.String{}, hint.Wrap(err, "run 'spin unlock' and choose a longer one")
	}
	p2, err := ask("same passphrase again: ")
	if err != nil {
		return secret.String{}, hint.Wrap(fmt.Errorf("the new file keyring needs a passphrase: %w", err), noPassphraseHint)
	}
	if !p1.Equal(p2) {
		return secret.String{}, hint.Wrap(errors.New("the two passphrases differ; nothing was set"), "run 'spin unlock' and type the same passphrase twice")
	}
	return p1, nil
}
