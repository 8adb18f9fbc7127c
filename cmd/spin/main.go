// Command spin is the user's CLI for the spin credential broker and the
// credential_process helper that AWS SDKs run. It talks to spind over a
// unix socket and never links the keyring library.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := context.Background(), func() {}
	// As the helper, spin leaves SIGINT and SIGTERM to end it, as
	// spin-credential-process does: the helper has nothing to restore
	// (spind carries on), and catching them would cost each of its
	// processes a goroutine and a thread, over a millisecond on a 2-core
	// VM (issue 16).
	if _, _, helper := helperCall(os.Args[1:]); !helper {
		ctx, stop = signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	}
	code := run(ctx, os.Args[1:], newEnv())
	stop()
	os.Exit(code)
}
