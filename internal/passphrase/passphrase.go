// Package passphrase holds the strength floor for a new file-keyring
// passphrase, shared by spind (which enforces it) and spin (which checks
// before it sends, and asks twice). It imports nothing heavy: spin must
// not link the keyring library.
package passphrase

import (
	"fmt"
	"unicode/utf8"
)

// MinLength is the floor, in characters. Length is the one rule people can
// predict, and with Argon2id in front (about 0.3 s and 64 MiB a guess) a
// 12-character passphrase is out of reach of an offline attack on a copied
// keyring directory; shorter ones are not.
const MinLength = 12

// Check refuses a new passphrase below the floor. It never echoes the
// passphrase.
func Check(p string) error {
	if n := utf8.RuneCountInString(p); n < MinLength {
		return fmt.Errorf("the new keyring passphrase is too short (%d characters): use at least %d, e.g. a few unrelated words", n, MinLength)
	}
	return nil
}
