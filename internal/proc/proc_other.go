//go:build !linux && !darwin

package proc

// Elsewhere (Windows: spind's pipe server sees no peer pid yet) processes
// are Unknown.
func exeOf(int) string   { return Unknown }
func parentOf(int) int   { return 0 }
func isWrapper(int) bool { return false }
