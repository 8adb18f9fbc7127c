package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/cloudspin/spin/internal/atomicfile"
	"github.com/cloudspin/spin/internal/awsemu"
)

// run is the whole command but for signal handling and os.Exit: it returns
// 0 on a clean stop, 1 on failure and 2 on a usage error.
func run(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("awsemu", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "TCP `address` to listen on")
	keys := fs.String("keys", "", "JSON `file` of long-term keys: {\"keys\": [{\"access_key_id\": ...}]}")
	urlFile := fs.String("url-file", "", "once listening, write the base URL to this `file` (removed on exit)")
	tlsCert := fs.String("tls-cert", "", "serve HTTPS with a throw-away certificate and write it (PEM) to this `file`, for clients' SSL_CERT_FILE; on exit, log how many connections and TLS handshakes clients made")
	iamDelay := fs.Duration("iam-key-delay", 0, "keys made by IAM CreateAccessKey work in STS only this `long` after (IAM's eventual consistency)")
	var buckets []string
	fs.Func("bucket", "create this S3 `bucket` at start (repeatable)", func(name string) error {
		buckets = append(buckets, name)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "awsemu: unexpected argument %q\n", fs.Arg(0))
		return 2
	case *keys == "":
		fmt.Fprintln(stderr, "awsemu: --keys is required")
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	if err := serve(ctx, *listen, *keys, *urlFile, *tlsCert, buckets, *iamDelay, log); err != nil {
		fmt.Fprintf(stderr, "awsemu: %v\n", err)
		return 1
	}
	return 0
}

func serve(ctx context.Context, addr, keysPath, urlFile, tlsCert string, buckets []string, iamDelay time.Duration, log *slog.Logger) error {
	keys, err := awsemu.LoadKeys(keysPath)
	if err != nil {
		return err
	}
	emu := awsemu.New(awsemu.Options{Keys: keys, Logger: log})
	emu.SetIAMKeyDelay(iamDelay)
	for _, b := range buckets {
		if err := emu.CreateBucket(b); err != nil {
			return err
		}
	}
	if tlsCert != "" {
		return serveTLS(ctx, emu, addr, urlFile, tlsCert, log)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String()
	if urlFile != "" {
		if err := atomicfile.WriteFile(urlFile, []byte(url+"\n"), 0o644); err != nil {
			ln.Close()
			return err
		}
		// A stale file would point the next reader at a dead port.
		defer os.Remove(urlFile)
	}
	log.Info("listening", "url", url, "keys", len(keys), "buckets", buckets)
	err = emu.Serve(ctx, ln)
	log.Info("stopped")
	return err
}

// serveTLS serves HTTPS until ctx ends, then logs what clients cost it.
func serveTLS(ctx context.Context, emu *awsemu.Emulator, addr, urlFile, certFile string, log *slog.Logger) error {
	srv, err := emu.StartTLS(ctx, addr)
	if err != nil {
		return err
	}
	defer srv.Stop()
	// The certificate first: a reader polling for the URL file may use it at once.
	if err := atomicfile.WriteFile(certFile, srv.CertPEM, 0o644); err != nil {
		return err
	}
	if urlFile != "" {
		if err := atomicfile.WriteFile(urlFile, []byte(srv.URL+"\n"), 0o644); err != nil {
			return err
		}
		defer os.Remove(urlFile)
	}
	log.Info("listening", "url", srv.URL, "cert", certFile)
	<-ctx.Done()
	srv.Stop()
	log.Info("stopped", "connections", srv.Connections(), "tls_handshakes", srv.Handshakes(),
		"assume_role", emu.Calls("AssumeRole"), "get_session_token", emu.Calls("GetSessionToken"))
	return nil
}
