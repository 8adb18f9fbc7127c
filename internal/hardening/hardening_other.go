//go:build !unix

package hardening

// Windows keeps other users out of a process by its ACL and writes no core
// files; there is nothing to set.
func apply() error { return nil }

// Dumpable reports false: there is no such notion here.
func Dumpable() (bool, error) { return false, nil }
