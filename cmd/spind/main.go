// Command spind is spin's credential daemon: it owns the keyring, calls STS
// and caches sessions in memory, answering on a user-only unix socket.
// Normally `spin daemon start` or the credential helper starts it.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/cloudspin/spin/broker"
	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/hardening"
	"github.com/cloudspin/spin/internal/version"
	"github.com/cloudspin/spin/profiles"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stderr)
	stop()
	os.Exit(code)
}

// exitAlreadyRunning tells a launcher that losing the start race is fine.
const exitAlreadyRunning = 3

func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	fs := flag.NewFlagSet("spind", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: spind [flags]

spind holds spin's key sets and brokers short-lived AWS sessions over a unix
socket. Start it with 'spin daemon start'; the credential helper starts it on
demand.

Flags:
`)
		fs.PrintDefaults()
	}
	socket := fs.String("socket", "", "socket path (default: SPIN_SOCKET, $XDG_RUNTIME_DIR/spin/broker.sock, ~/.cache/spin/broker.sock)")
	configPath := fs.String("config", "", "spin config file (default: SPIN_CONFIG, $XDG_CONFIG_HOME/spin/config.yaml)")
	backend := fs.String("keyring-backend", "", "keyring backend, overriding keyring.backend in the config")
	logLevel := fs.String("log-level", cmp.Or(getenv("SPIN_LOG_LEVEL"), "info"), "debug, info, warn or error (default $SPIN_LOG_LEVEL)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *showVersion {
		fmt.Fprintln(os.Stdout, version.Get().Line("spind"))
		return 0
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "spind: bad --log-level %q\n", *logLevel)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	// Before any secret arrives: the user's other processes must not read
	// spind's memory through /proc or ptrace, nor find it in a core file.
	if err := hardening.Apply(); err != nil {
		logger.Warn("spind's memory is not protected from the user's other processes", "err", err)
	}

	if err := serve(ctx, logger, getenv, *socket, *configPath, *backend); err != nil {
		if errors.Is(err, broker.ErrAlreadyRunning) {
			logger.Info("not starting", "reason", err)
			return exitAlreadyRunning
		}
		logger.Error("spind failed", "err", err)
		fmt.Fprintf(stderr, "spind: %v\n", err)
		return 1
	}
	return 0
}

func serve(ctx context.Context, logger *slog.Logger, getenv func(string) string, socket, configPath, backend string) error {
	var err error
	if socket == "" {
		if socket, err = api.SocketPath(getenv); err != nil {
			return err
		}
	}
	if configPath == "" {
		if configPath, err = profiles.DefaultConfigPath(getenv); err != nil {
			return err
		}
	}
	ln, err := broker.Listen(socket, logger)
	if err != nil {
		return err
	}
	defer ln.Close()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ver := version.String() // an unstamped build reads its executable for it
	b := broker.New(broker.Config{
		ConfigPath: configPath,
		Backend:    backend,
		STS:        &broker.SDKSTS{Endpoint: broker.EndpointFromEnv(getenv)},
		Logger:     logger,
		Version:    ver,
		Shutdown:   cancel,
	})
	logger.Info("spind listening", "socket", socket, "config", configPath, "pid", os.Getpid(), "version", ver)
	err = b.Serve(ctx, ln)
	logger.Info("spind stopped")
	return err
}
