// Package testkeyring gives tests real keyring backends. They are unix
// daemons (gnome-keyring, pass), so on Windows the package is empty.
package testkeyring
