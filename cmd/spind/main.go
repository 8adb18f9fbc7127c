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
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/cloudspin/spin/broker"
	"github.com/cloudspin/spin/broker/launch"
	"github.com/cloudspin/spin/broker/sock"
	"github.com/cloudspin/spin/internal/audit"
	"github.com/cloudspin/spin/internal/awshttp"
	"github.com/cloudspin/spin/internal/awsnet"
	"github.com/cloudspin/spin/internal/hardening"
	"github.com/cloudspin/spin/internal/sdkcheck"
	"github.com/cloudspin/spin/internal/sdkcheck/sdkread"
	"github.com/cloudspin/spin/internal/version"
	"github.com/cloudspin/spin/profiles"
)

func main() {
	// First, before anything opens a descriptor of its own.
	closed := launch.CloseInherited()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stderr, closed)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer, closedFDs []int) int {
	if len(args) == 1 && args[0] == sdkcheck.Command {
		// spin's read-back of the AWS files it writes, through the SDK
		// that spin does not link (internal/sdkcheck). It reads the
		// user's plaintext keys, so it is hardened as the daemon is, and
		// it refuses to go on unprotected: it is short-lived, and spin
		// then says why the file was not written.
		if err := hardening.Apply(); err != nil {
			fmt.Fprintf(stderr, "spind: %s: not reading AWS keys unprotected: %v\n", sdkcheck.Command, err)
			return 1
		}
		return sdkread.Serve(ctx, os.Stdin, os.Stdout, stderr)
	}
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
	backend := fs.String("keyring-backend", getenv("SPIN_KEYRING_BACKEND"), "keyring backend, overriding keyring.backend in the config (default $SPIN_KEYRING_BACKEND)")
	logLevel := fs.String("log-level", cmp.Or(getenv("SPIN_LOG_LEVEL"), "info"), "debug, info, warn or error (default $SPIN_LOG_LEVEL)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	awsTimeout := fs.Duration("aws-timeout", awshttp.DefaultAnswerTimeout,
		"how long one call to AWS may go unanswered before it fails naming the service and endpoint (at most 40s: the credential helper waits 50s in all)")
	autostarted := fs.Bool(strings.TrimPrefix(launch.AutostartFlag, "--"), false,
		"set by the credential helper and spin when they start spind on demand: ignore AWS_ENDPOINT_URL*, HTTPS_PROXY, NO_PROXY, AWS_CA_BUNDLE and SSL_CERT_FILE (config.yaml's endpoints: and network: still apply)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		// A typo ('spind statsu') or a command this spind does not know
		// must not start a daemon that holds the caller's pipes.
		fmt.Fprintf(stderr, "spind: unexpected argument %q\nUsage: spind [flags] (see spind --help)\n", fs.Arg(0))
		return 2
	}
	if *showVersion {
		fmt.Fprintln(os.Stdout, version.Get().Line("spind"))
		return 0
	}
	if *awsTimeout <= 0 || *awsTimeout > 40*time.Second {
		fmt.Fprintf(stderr, "spind: --aws-timeout %s: give a duration over 0 and at most 40s\n", *awsTimeout)
		return 2
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
	if len(closedFDs) > 0 {
		logger.Info("closed inherited file descriptors", "fds", fmt.Sprint(closedFDs))
	}
	net, err := startNet(getenv, *autostarted)
	if err != nil {
		fmt.Fprintf(stderr, "spind: %v\n", err)
		return 2
	}
	for _, line := range net.Describe() {
		// An explicit start says where its calls will go; spin daemon
		// start shows the same from GET /v1/status.
		fmt.Fprintf(stderr, "spind: %s (from the environment)\n", line)
	}

	if err := serve(ctx, logger, getenv, *socket, *configPath, *backend, net, *awsTimeout); err != nil {
		if errors.Is(err, broker.ErrAlreadyRunning) {
			logger.Info("not starting", "reason", err)
			return launch.ExitAlreadyRunning // the launcher waits for the winner
		}
		logger.Error("spind failed", "err", err)
		fmt.Fprintf(stderr, "spind: %v\n", err)
		return 1
	}
	return 0
}

// openAudit opens the audit log of credentials requests. Without one spind
// still serves (and `spin status --callers` still shows the last callers):
// a full disk must not stop every AWS tool of the user.
func openAudit(logger *slog.Logger, getenv func(string) string) *audit.Log {
	path := audit.DefaultPath(getenv)
	if path == "" {
		logger.Warn("no audit log of credentials requests: set HOME or XDG_STATE_HOME")
		return nil
	}
	l, err := audit.Open(path, audit.DefaultMaxSize)
	if err != nil {
		logger.Warn("no audit log of credentials requests", "err", err)
		return nil
	}
	return l
}

// startNet returns the AWS endpoints, proxy and CA bundle of an explicit
// start's environment. An autostarted spind takes none, and drops them
// from its own environment too, since Go's TLS code reads SSL_CERT_FILE.
func startNet(getenv func(string) string, autostarted bool) (awsnet.Config, error) {
	if autostarted {
		for _, k := range awsnet.IgnoredEnv() {
			os.Unsetenv(k)
		}
		return awsnet.Config{}, nil
	}
	n := awsnet.FromEnv(getenv)
	if err := n.Check(); err != nil {
		return awsnet.Config{}, fmt.Errorf("in the environment: %w", err)
	}
	return n, nil
}

func serve(ctx context.Context, logger *slog.Logger, getenv func(string) string, socket, configPath, backend string, net awsnet.Config, awsTimeout time.Duration) error {
	var err error
	if socket == "" {
		if socket, err = sock.Path(getenv); err != nil {
			return err
		}
	}
	if configPath == "" {
		if configPath, err = profiles.DefaultConfigPath(getenv); err != nil {
			return err
		}
	} else if configPath, err = filepath.Abs(configPath); err != nil {
		// spind reports and compares its config by this path (a helper's
		// --config is absolute), and may outlive its directory.
		return fmt.Errorf("--config: %w", err)
	}
	ln, err := broker.Listen(socket, logger)
	if err != nil {
		return err
	}
	defer ln.Close()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ver := version.String() // an unstamped build reads its executable for it
	auditLog := openAudit(logger, getenv)
	if auditLog != nil {
		defer auditLog.Close()
	}
	b := broker.New(broker.Config{
		ConfigPath: configPath,
		Backend:    backend,
		Net:        net,
		Logger:     logger,
		Version:    ver,
		Shutdown:   cancel,
		Audit:      auditLog,
		AWSTimeout: awsTimeout,
	})
	if n := b.Net(); !n.IsZero() {
		logger.Info("AWS calls go through "+strings.Join(n.Describe(), ", "), "from", n.From)
	}
	logger.Info("spind listening", "socket", socket, "config", configPath, "pid", os.Getpid(), "version", ver)
	err = b.Serve(ctx, ln)
	logger.Info("spind stopped")
	return err
}
