//go:build !unix

package proc

import (
	"io"
	"os"
)

// firstLine reads the start of a regular file into buf (no command lines are read on
// these systems, so no script is looked for).
func firstLine(path string, buf []byte) (int, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return 0, false
	}
	n, _ := io.ReadFull(f, buf)
	return n, true
}
