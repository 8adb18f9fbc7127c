package awsemu

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Issuer is an OpenID Connect identity provider as CI systems run one:
// discovery (/.well-known/openid-configuration), its signing keys
// (/.well-known/jwks) and RS256 ID tokens. Serve it on its own listener;
// its URL is the tokens' iss, as with
// https://token.actions.githubusercontent.com.
//
// It also serves a GitHub Actions-like token endpoint (/_apis/idtoken):
// a runner job with `permissions: id-token: write` gets
// ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN, and
// GETs the URL with `&audience=...` and the request token as a bearer
// token; the answer is {"value": "<JWT>", "count": N}.
type Issuer struct {
	now func() time.Time
	key *rsa.PrivateKey
	kid string

	mu           sync.Mutex
	url          string
	lifetime     time.Duration
	requestToken string
	run          GitHubRun
	minted       int
	mintedAud    map[string]int
	signatures   []string // of every token minted, for leak checks
	jwksFetches  int
}

// GitHubRun is the workflow run whose jobs the token endpoint serves; its
// fields become GitHub's claims.
type GitHubRun struct {
	Repository  string // OWNER/REPO
	Ref         string // refs/heads/main
	SHA         string
	RunID       string
	RunNumber   string
	RunAttempt  string
	Actor       string
	EventName   string // push, pull_request, ...
	Workflow    string
	Environment string // deployment environment, if the job has one
}

// DefaultGitHubRun is a push to main of cloudspin/spin.
var DefaultGitHubRun = GitHubRun{
	Repository: "cloudspin/spin", Ref: "refs/heads/main", SHA: "8b1f8c9a4d2e6f70a1b2c3d4e5f60718293a4b5c",
	RunID: "9876543210", RunNumber: "42", RunAttempt: "1", Actor: "octocat", EventName: "push", Workflow: "CI",
}

// Subject is the sub GitHub puts in this run's tokens.
func (r GitHubRun) Subject() string {
	if r.Environment != "" {
		return "repo:" + r.Repository + ":environment:" + r.Environment
	}
	if r.EventName == "pull_request" {
		return "repo:" + r.Repository + ":pull_request"
	}
	return "repo:" + r.Repository + ":ref:" + r.Ref
}

// NewIssuer makes an issuer with a fresh 2048-bit RSA key. Call SetURL once
// it listens. Tokens live lifetime (GitHub's live about five minutes).
func NewIssuer(now func() time.Time, lifetime time.Duration) (*Issuer, error) {
	if now == nil {
		now = time.Now
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(key.N.Bytes())
	return &Issuer{now: now, key: key, kid: base64.RawURLEncoding.EncodeToString(sum[:8]), lifetime: lifetime,
		run: DefaultGitHubRun, mintedAud: map[string]int{}}, nil
}

// SetURL sets the issuer's URL (its iss), normally its server's URL.
func (i *Issuer) SetURL(u string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.url = strings.TrimSuffix(u, "/")
}

// URL is the issuer's URL.
func (i *Issuer) URL() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.url
}

// SetLifetime changes how long tokens minted from now on live.
func (i *Issuer) SetLifetime(d time.Duration) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.lifetime = d
}

// SetGitHubRun sets the run the token endpoint describes.
func (i *Issuer) SetGitHubRun(r GitHubRun) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.run = r
}

// GitHubRequest returns the values of ACTIONS_ID_TOKEN_REQUEST_URL and
// ACTIONS_ID_TOKEN_REQUEST_TOKEN for a job of the run; the request token
// is new on each call, and only the latest one is accepted.
func (i *Issuer) GitHubRequest() (requestURL, requestToken string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.requestToken = randomBase64(32)
	return i.url + "/_apis/idtoken?api-version=2.0", i.requestToken
}

// Minted returns how many tokens the issuer has signed.
func (i *Issuer) Minted() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.minted
}

// JWKSFetches returns how often the signing keys were fetched.
func (i *Issuer) JWKSFetches() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.jwksFetches
}

// Claims are an ID token's claims; iss, iat, nbf, exp and jti are set by
// Mint when absent.
type Claims map[string]any

// Mint signs claims as an RS256 JWT valid from now for the issuer's token
// lifetime (exp, nbf and iat may be overridden in claims).
func (i *Issuer) Mint(claims Claims) string {
	i.mu.Lock()
	now, lifetime, iss := i.now(), i.lifetime, i.url
	i.minted++
	i.mu.Unlock()
	c := Claims{"iss": iss, "iat": now.Unix(), "nbf": now.Add(-5 * time.Second).Unix(),
		"exp": now.Add(lifetime).Unix(), "jti": newRequestID()}
	for k, v := range claims {
		c[k] = v
	}
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": i.kid})
	payload, _ := json.Marshal(c)
	signing := b64(header) + "." + b64(payload)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, i.key, crypto.SHA256, sum[:])
	if err != nil {
		panic(err) // cannot happen with a valid key
	}
	i.mu.Lock()
	i.signatures = append(i.signatures, b64(sig))
	i.mu.Unlock()
	return signing + "." + b64(sig)
}

// Signatures returns the signature part of every token minted so far:
// what a test searches logs and files for (a token without it is useless).
func (i *Issuer) Signatures() []string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]string(nil), i.signatures...)
}

// gitHubClaims is the claim set GitHub Actions puts in a job's token.
func (i *Issuer) gitHubClaims(audience string) Claims {
	i.mu.Lock()
	r := i.run
	i.mu.Unlock()
	owner, _, _ := strings.Cut(r.Repository, "/")
	c := Claims{
		"sub": r.Subject(), "aud": audience,
		"ref": r.Ref, "sha": r.SHA, "repository": r.Repository, "repository_owner": owner,
		"repository_owner_id": "1001", "repository_id": "2002", "repository_visibility": "private",
		"run_id": r.RunID, "run_number": r.RunNumber, "run_attempt": r.RunAttempt,
		"actor": r.Actor, "actor_id": "3003", "workflow": r.Workflow, "event_name": r.EventName,
		"ref_type": "branch", "ref_protected": "false", "head_ref": "", "base_ref": "",
		"workflow_ref": r.Repository + "/.github/workflows/ci.yml@" + r.Ref, "workflow_sha": r.SHA,
		"job_workflow_ref": r.Repository + "/.github/workflows/ci.yml@" + r.Ref, "job_workflow_sha": r.SHA,
		"runner_environment": "github-hosted",
	}
	if r.Environment != "" {
		c["environment"] = r.Environment
	}
	return c
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// ServeHTTP serves discovery, the keys and the GitHub-like token endpoint.
func (i *Issuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		iss := i.URL()
		writeJSONBody(w, http.StatusOK, map[string]any{
			"issuer": iss, "jwks_uri": iss + "/.well-known/jwks",
			"subject_types_supported": []string{"public", "pairwise"}, "response_types_supported": []string{"id_token"},
			"id_token_signing_alg_values_supported": []string{"RS256"}, "scopes_supported": []string{"openid"},
			"claims_supported": []string{"sub", "aud", "exp", "iat", "iss", "jti", "nbf", "ref", "repository", "run_id", "actor"},
		})
	case "/.well-known/jwks":
		i.mu.Lock()
		i.jwksFetches++
		i.mu.Unlock()
		writeJSONBody(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
			"kty": "RSA", "alg": "RS256", "use": "sig", "kid": i.kid,
			"n": b64(i.key.N.Bytes()), "e": b64(big.NewInt(int64(i.key.E)).Bytes()),
		}}})
	case "/_apis/idtoken":
		i.serveGitHubToken(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (i *Issuer) serveGitHubToken(w http.ResponseWriter, r *http.Request) {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	i.mu.Lock()
	want := i.requestToken
	i.mu.Unlock()
	if !ok || want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		writeJSONBody(w, http.StatusUnauthorized, map[string]string{"message": "Unauthorized: the bearer token is missing or invalid"})
		return
	}
	aud := r.URL.Query().Get("audience")
	i.mu.Lock()
	if aud == "" { // GitHub's default audience: the owner's URL
		owner, _, _ := strings.Cut(i.run.Repository, "/")
		aud = "https://github.com/" + owner
	}
	i.mintedAud[aud]++
	i.mu.Unlock()
	tok := i.Mint(i.gitHubClaims(aud))
	writeJSONBody(w, http.StatusOK, map[string]any{"count": len(tok), "value": tok})
}

// MintedFor returns how many tokens the token endpoint minted for aud.
func (i *Issuer) MintedFor(aud string) int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.mintedAud[aud]
}

func writeJSONBody(w http.ResponseWriter, status int, v any) {
	body, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// String keeps the private key out of a stray %v.
func (i *Issuer) String() string { return fmt.Sprintf("Issuer{%s kid=%s}", i.URL(), i.kid) }
