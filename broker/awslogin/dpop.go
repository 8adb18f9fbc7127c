package awslogin

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Key is the DPoP key a login session is bound to (RFC 9449, ES256 on
// P-256). Whoever holds it and the refresh token holds the session, so it
// never prints: fmt, JSON and slog see "[redacted]".
type Key struct{ priv *ecdsa.PrivateKey }

// NewKey generates a DPoP key.
func NewKey() (*Key, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate the DPoP key: %w", err)
	}
	return &Key{k}, nil
}

// ParseKeyPEM reads a P-256 private key as the AWS CLI stores it ("EC
// PRIVATE KEY", SEC 1) or as PKCS #8 ("PRIVATE KEY").
func ParseKeyPEM(data []byte) (*Key, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("the DPoP key is not PEM")
	}
	var priv *ecdsa.PrivateKey
	switch block.Type {
	case "EC PRIVATE KEY":
		k, err := x509.ParseECPrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("the DPoP key: %w", err)
		}
		priv = k
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("the DPoP key: %w", err)
		}
		ec, ok := k.(*ecdsa.PrivateKey)
		if !ok {
			return nil, errors.New("the DPoP key is not an EC key")
		}
		priv = ec
	default:
		return nil, fmt.Errorf("the DPoP key is a PEM %q block, want EC PRIVATE KEY", block.Type)
	}
	if priv.Curve != elliptic.P256() {
		return nil, errors.New("the DPoP key is not on P-256 (ES256)")
	}
	return &Key{priv}, nil
}

// pkcs8 is the key for the keyring item.
func (k *Key) pkcs8() ([]byte, error) { return x509.MarshalPKCS8PrivateKey(k.priv) }

func parsePKCS8(der []byte) (*Key, error) {
	return ParseKeyPEM(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func (*Key) String() string                 { return "[redacted]" }
func (*Key) GoString() string               { return "[redacted]" }
func (*Key) Format(f fmt.State, _ rune)     { _, _ = f.Write([]byte("[redacted]")) }
func (*Key) MarshalJSON() ([]byte, error)   { return []byte(`"[redacted]"`), nil }
func (*Key) LogValue() slog.Value           { return slog.StringValue("[redacted]") }
func (k *Key) publicPoint() ([]byte, error) { return k.priv.PublicKey.Bytes() }

// Thumbprint is the key's RFC 7638 JWK thumbprint, which Sign-In binds the
// refresh token to (cnf.jkt).
func (k *Key) Thumbprint() string {
	point, err := k.publicPoint()
	if err != nil {
		return ""
	}
	enc := base64.RawURLEncoding
	canon := `{"crv":"P-256","kty":"EC","x":"` + enc.EncodeToString(point[1:33]) +
		`","y":"` + enc.EncodeToString(point[33:]) + `"}`
	sum := sha256.Sum256([]byte(canon))
	return enc.EncodeToString(sum[:])
}

// Proof builds a fresh DPoP proof for one request: header typ dpop+jwt,
// alg ES256 and the public jwk (coordinates in full 32 bytes, as RFC 7518
// asks); claims jti (random), htm, htu and iat.
func (k *Key) Proof(method, url string, now time.Time) (string, error) {
	point, err := k.publicPoint()
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	hdr, err := json.Marshal(map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": map[string]string{
		"kty": "EC", "crv": "P-256", "x": enc.EncodeToString(point[1:33]), "y": enc.EncodeToString(point[33:]),
	}})
	if err != nil {
		return "", err
	}
	claims, err := json.Marshal(map[string]any{"jti": rand.Text(), "htm": method, "htu": url, "iat": now.Unix()})
	if err != nil {
		return "", err
	}
	msg := enc.EncodeToString(hdr) + "." + enc.EncodeToString(claims)
	digest := sha256.Sum256([]byte(msg))
	r, s, err := ecdsa.Sign(rand.Reader, k.priv, digest[:])
	if err != nil {
		return "", fmt.Errorf("sign the DPoP proof: %w", err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return msg + "." + enc.EncodeToString(sig), nil
}

// PKCE is an RFC 7636 code verifier and its S256 challenge.
type PKCE struct {
	verifier  string
	Challenge string
}

// NewPKCE makes a verifier of 64 unreserved characters, as the AWS CLI does.
func NewPKCE() PKCE {
	b := make([]byte, 48)
	_, _ = rand.Read(b) // never fails (crypto/rand docs)
	v := base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(v))
	return PKCE{verifier: v, Challenge: base64.RawURLEncoding.EncodeToString(sum[:])}
}
