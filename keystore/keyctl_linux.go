package keystore

import "github.com/99designs/keyring"

// keyctlPerm gives the possessor and every process of the same uid all
// rights on our keys. With the kernel's default (possessor only), a spind
// started from a fresh session keyring, one that does not link @u, could
// not read what another spind stored: same trust boundary as the file and
// pass backends.
var keyctlPerm = keyring.GetPermissions(keyring.KEYCTL_PERM_ALL, keyring.KEYCTL_PERM_ALL, 0, 0)
