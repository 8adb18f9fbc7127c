//go:build !linux

package keystore

// keyctl exists only on Linux.
const keyctlPerm = 0
