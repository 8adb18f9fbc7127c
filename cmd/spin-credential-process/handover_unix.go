//go:build unix

package main

import (
	"errors"
	"os"
	"syscall"

	"github.com/cloudspin/spin/broker/credask"
	"github.com/cloudspin/spin/internal/spindbin"
)

// handOver execs `spin credential-process` with this helper's arguments in
// its place: the same pid (spind attributes the request to the same
// caller chain), the same stdin, stdout and stderr, and the terminal's
// foreground group for an MFA prompt. spin is looked for beside this
// binary, then on PATH, as the helper already does for `spin login`.
// why is what the helper could not settle, shown only if spin is missing.
func handOver(r request, why error) int {
	spin, err := spindbin.Find("spin")
	if err != nil {
		os.Stderr.WriteString(credask.Line(errors.New(why.Error() + "; spin-credential-process hands this to spin, which is neither beside it nor on PATH: install spin, spind and spin-credential-process together")))
		return 1
	}
	err = syscall.Exec(spin, r.spinArgs(spin), os.Environ())
	os.Stderr.WriteString(credask.Line(errors.New("run " + spin + ": " + err.Error())))
	return 1
}
