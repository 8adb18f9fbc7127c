package awsemu

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// How far a DPoP proof's iat may lie behind or ahead of the server's clock
// (RFC 9449 section 11.1 leaves the window to the server). A proof id
// (jti) is remembered for as long as its proof could still be accepted,
// so a replay within the window is refused.
const (
	dpopMaxAge    = 5 * time.Minute
	dpopMaxFuture = time.Minute
)

// dpopProof is a DPoP proof that passed the checks of RFC 9449 section
// 4.3 but for jti uniqueness, which needs the emulator's memory.
type dpopProof struct {
	jkt string // RFC 7638 thumbprint of the proof's key
	jti string
	iat time.Time
}

type dpopJWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	D   string `json:"d"` // must be absent: a proof carries the public key only
}

// verifyDPoP checks the request's DPoP header: one well-formed JWT of
// type dpop+jwt, ES256, signed by the P-256 key in its own jwk header,
// for this method and URL, issued within the window. It returns what the
// caller still needs: the key's thumbprint and the proof id.
func verifyDPoP(r *http.Request, now time.Time) (*dpopProof, error) {
	vals := r.Header.Values("DPoP")
	switch {
	case len(vals) == 0:
		return nil, fmt.Errorf("missing DPoP header")
	case len(vals) > 1:
		return nil, fmt.Errorf("more than one DPoP header")
	}
	parts := strings.Split(vals[0], ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("DPoP proof is not a compact JWS")
	}
	var hdr struct {
		Typ string   `json:"typ"`
		Alg string   `json:"alg"`
		JWK *dpopJWK `json:"jwk"`
	}
	if err := decodeJWTPart(parts[0], &hdr); err != nil {
		return nil, fmt.Errorf("DPoP proof header: %w", err)
	}
	switch {
	case hdr.Typ != "dpop+jwt":
		return nil, fmt.Errorf("DPoP proof typ is %q, want dpop+jwt", hdr.Typ)
	case hdr.Alg != "ES256":
		return nil, fmt.Errorf("DPoP proof alg %q is not supported (ES256)", hdr.Alg)
	case hdr.JWK == nil:
		return nil, fmt.Errorf("DPoP proof header has no jwk")
	case hdr.JWK.D != "":
		return nil, fmt.Errorf("DPoP proof jwk contains a private key")
	}
	pub, jkt, err := parseDPoPKey(hdr.JWK)
	if err != nil {
		return nil, err
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return nil, fmt.Errorf("DPoP proof signature is not a 64-byte ES256 signature")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	rr, ss := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(pub, digest[:], rr, ss) {
		return nil, fmt.Errorf("DPoP proof signature does not verify with its jwk")
	}

	var claims struct {
		JTI string      `json:"jti"`
		HTM string      `json:"htm"`
		HTU string      `json:"htu"`
		IAT json.Number `json:"iat"`
	}
	if err := decodeJWTPart(parts[1], &claims); err != nil {
		return nil, fmt.Errorf("DPoP proof claims: %w", err)
	}
	if claims.JTI == "" {
		return nil, fmt.Errorf("DPoP proof has no jti")
	}
	if claims.HTM != r.Method {
		return nil, fmt.Errorf("DPoP proof htm %q does not match the request method %s", claims.HTM, r.Method)
	}
	if want := requestURL(r); !sameHTU(claims.HTU, want) {
		return nil, fmt.Errorf("DPoP proof htu %q does not match the request URL %s", claims.HTU, want)
	}
	secs, err := claims.IAT.Int64()
	if err != nil {
		return nil, fmt.Errorf("DPoP proof iat %q is not a number of seconds", claims.IAT)
	}
	iat := time.Unix(secs, 0)
	switch {
	case iat.Before(now.Add(-dpopMaxAge)):
		return nil, fmt.Errorf("DPoP proof iat is more than %s old", dpopMaxAge)
	case iat.After(now.Add(dpopMaxFuture)):
		return nil, fmt.Errorf("DPoP proof iat is in the future")
	}
	return &dpopProof{jkt: jkt, jti: claims.JTI, iat: iat}, nil
}

func decodeJWTPart(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return fmt.Errorf("not base64url: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	return dec.Decode(v)
}

// parseDPoPKey turns the jwk into a P-256 public key and its thumbprint.
// Coordinates shorter than 32 bytes are accepted: aws-sdk-go-v2's logincreds
// encodes big.Int.Bytes(), which drops leading zero bytes. The thumbprint is
// taken over the canonical 32-byte form, so it names the key, not one
// client's spelling of it.
func parseDPoPKey(k *dpopJWK) (*ecdsa.PublicKey, string, error) {
	if k.Kty != "EC" || k.Crv != "P-256" {
		return nil, "", fmt.Errorf("DPoP proof jwk is %s/%s, want EC/P-256", k.Kty, k.Crv)
	}
	x, errX := base64.RawURLEncoding.DecodeString(k.X)
	y, errY := base64.RawURLEncoding.DecodeString(k.Y)
	if errX != nil || errY != nil || len(x) == 0 || len(y) == 0 || len(x) > 32 || len(y) > 32 {
		return nil, "", fmt.Errorf("DPoP proof jwk coordinates are not 32-byte base64url values")
	}
	point := make([]byte, 65)
	point[0] = 4
	copy(point[33-len(x):33], x)
	copy(point[65-len(y):], y)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return nil, "", fmt.Errorf("DPoP proof jwk is not a point on P-256")
	}
	return pub, JWKThumbprint(pub), nil
}

// JWKThumbprint is the RFC 7638 thumbprint of a P-256 public key: the
// base64url SHA-256 of its required JWK members in lexical order, without
// whitespace. Sign-In binds refresh tokens to it (cnf.jkt).
func JWKThumbprint(pub *ecdsa.PublicKey) string {
	point, err := pub.Bytes()
	if err != nil || len(point) != 65 {
		return ""
	}
	enc := base64.RawURLEncoding
	canon := `{"crv":"P-256","kty":"EC","x":"` + enc.EncodeToString(point[1:33]) +
		`","y":"` + enc.EncodeToString(point[33:]) + `"}`
	sum := sha256.Sum256([]byte(canon))
	return enc.EncodeToString(sum[:])
}

// requestURL is the URL a client addressed: the emulator serves plain HTTP
// unless it sits behind TLS.
func requestURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.Path
}

// sameHTU compares a proof's htu with the request URL as RFC 9449 asks:
// without query and fragment, scheme and host case-insensitively.
func sameHTU(htu, want string) bool {
	u, err := url.Parse(htu)
	if err != nil {
		return false
	}
	w, err := url.Parse(want)
	if err != nil {
		return false
	}
	path := u.Path
	if path == "" {
		path = "/"
	}
	return strings.EqualFold(u.Scheme, w.Scheme) && strings.EqualFold(u.Host, w.Host) && path == w.Path
}
