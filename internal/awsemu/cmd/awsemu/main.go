// Command awsemu serves the AWS emulator (package internal/awsemu) on a TCP
// port for `make demo`, scripts and benchmarks:
//
//	awsemu --keys keys.json --listen 127.0.0.1:0 --url-file /tmp/awsemu.url --bucket statebucket
//
// It serves STS and path-style S3 on the same URL; --bucket (repeatable)
// creates an empty S3 bucket at start, e.g. for a tofu state.
//
// It logs to stderr and stops cleanly on SIGINT or SIGTERM.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stderr)
	stop()
	os.Exit(code)
}
