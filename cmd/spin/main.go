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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], newEnv())
	stop()
	os.Exit(code)
}
