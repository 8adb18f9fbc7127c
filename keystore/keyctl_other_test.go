//go:build !linux

package keystore

// keyctl exists only on Linux; TestMain still names the child mode.
func keyctlChild() int { return 1 }
