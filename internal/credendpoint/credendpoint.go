// Package credendpoint serves one profile's credentials to the process tree
// of `spin exec` in the container-credentials format that AWS SDKs and CLIs
// read from AWS_CONTAINER_CREDENTIALS_FULL_URI, so tools that never look at
// ~/.aws/config still get refreshing sessions. It listens on loopback only
// and answers only requests that carry its random token.
package credendpoint

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/netutil"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/secret"
)

// Source fetches the current credentials (from spind).
type Source func(ctx context.Context) (api.Credentials, error)

// Server is a running endpoint. Close it when the child exits.
type Server struct {
	ln      net.Listener
	srv     *http.Server
	token   secret.String
	done    chan struct{}
	refused refusals
}

// Limits bound what any local process can make the endpoint hold: it is
// reachable by every user on loopback, and only the token keeps them out.
type Limits struct {
	// MaxConns is how many connections are served at once; more wait in
	// the kernel's backlog. Default 32: SDKs use one or two each.
	MaxConns int
	// Idle is how long a connection may sit without a request (also the
	// time allowed to send a request's headers). Default 30s.
	Idle time.Duration
}

// Start listens on 127.0.0.1 on a free port with the default Limits.
func Start(src Source, logger *slog.Logger) (*Server, error) {
	return StartLimited(src, logger, Limits{})
}

// StartLimited is Start with explicit limits.
func StartLimited(src Source, logger *slog.Logger, lim Limits) (*Server, error) {
	lim.MaxConns = cmp.Or(lim.MaxConns, 32)
	lim.Idle = cmp.Or(lim.Idle, 30*time.Second)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		ln.Close()
		return nil, err
	}
	s := &Server{ln: ln, token: secret.New(hex.EncodeToString(raw)), done: make(chan struct{})}
	s.refused.seen = map[string]bool{}
	s.srv = &http.Server{
		Handler:           s.handler(src, logger),
		ReadHeaderTimeout: lim.Idle,
		IdleTimeout:       lim.Idle,
		// A credentials call may wait for an MFA code (50s budget).
		WriteTimeout:   time.Minute,
		MaxHeaderBytes: 16 << 10,
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
	}
	go func() { _ = s.srv.Serve(netutil.LimitListener(ln, lim.MaxConns)); close(s.done) }()
	return s, nil
}

// refusals remembers which peers were already told off, so a process that
// keeps knocking without the token costs one log line, not one per try on
// the user's terminal.
type refusals struct {
	mu   sync.Mutex
	seen map[string]bool
}

// first reports whether peer is refused for the first time. The map is
// bounded: past 256 peers nobody new is logged either.
func (r *refusals) first(peer string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen[peer] || len(r.seen) >= 256 {
		return false
	}
	r.seen[peer] = true
	return true
}

// URL is the value for AWS_CONTAINER_CREDENTIALS_FULL_URI.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() + "/" }

// Token is the value for AWS_CONTAINER_AUTHORIZATION_TOKEN.
func (s *Server) Token() secret.String { return s.token }

// Close stops the endpoint; later requests are refused.
func (s *Server) Close() error {
	err := s.srv.Close()
	<-s.done
	return err
}

// containerJSON is the container-credentials response. Note "Token", not
// "SessionToken", unlike credential_process.
type containerJSON struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token,omitempty"`
	Expiration      string `json:"Expiration"`
	AccountID       string `json:"AccountId,omitempty"`
}

func (s *Server) handler(src Source, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Get("Authorization")
		if subtle.ConstantTimeCompare([]byte(got), []byte(s.token.Reveal())) != 1 {
			peer := peerOf(r)
			if s.refused.first(peer) {
				logger.Warn("credentials endpoint: refused a request without the right token; further refusals of this peer are not logged", "peer", peer)
			}
			writeErr(w, http.StatusUnauthorized, "AccessDenied", "missing or wrong authorization token")
			return
		}
		if r.Method != http.MethodGet {
			writeErr(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "GET only")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 50*time.Second)
		defer cancel()
		c, err := src(ctx)
		if err != nil {
			msg := err.Error()
			var ae *api.Error
			if errors.As(err, &ae) {
				msg = ae.Error()
			}
			writeErr(w, http.StatusInternalServerError, "CredentialsUnavailable", strings.ReplaceAll(msg, "\n", " "))
			return
		}
		exp := c.Expiration
		if exp.IsZero() {
			// Long-term keys of a bootstrap profile: botocore insists on an
			// expiry, so name one; the keys stay valid after it anyway.
			exp = time.Now().Add(time.Hour)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(containerJSON{
			AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey.Reveal(),
			Token: c.SessionToken.Reveal(), Expiration: exp.UTC().Format(time.RFC3339), AccountID: c.AccountID,
		})
	})
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"code": code, "message": msg})
}

// stripped are variables that outrank the container provider in the SDKs'
// credential chains or would point at another endpoint; those that carry a
// secret (secret.IsEnvVar) go too.
var stripped = []string{
	"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
}

// ErrNested means the parent is itself a `spin exec` child.
var ErrNested = errors.New("already inside 'spin exec'")

// Env builds the child's environment from the parent's: conflicting
// variables removed, the endpoint, region and SPIN_PROFILE set.
func Env(parent []string, s *Server, profile, region string) ([]string, error) {
	out := make([]string, 0, len(parent)+6)
	for _, kv := range parent {
		k, _, _ := strings.Cut(kv, "=")
		if k == "SPIN_PROFILE" {
			return nil, ErrNested
		}
		drop := secret.IsEnvVar(k)
		for _, x := range stripped {
			if k == x || (region != "" && (k == "AWS_REGION" || k == "AWS_DEFAULT_REGION")) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, kv)
		}
	}
	out = append(out,
		"AWS_CONTAINER_CREDENTIALS_FULL_URI="+s.URL(),
		"AWS_CONTAINER_AUTHORIZATION_TOKEN="+s.token.Reveal(),
		"SPIN_PROFILE="+profile,
	)
	if region != "" {
		out = append(out, "AWS_REGION="+region, "AWS_DEFAULT_REGION="+region)
	}
	return out, nil
}
