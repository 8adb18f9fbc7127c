package awsemu

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

const totpStep = 30 * time.Second

// TOTP returns the RFC 6238 one-time code (HMAC-SHA1, 30-second step, six
// digits) of a base32 secret at t, as a virtual MFA device shows it. Tests
// and the demo use it to answer MFA prompts.
func TOTP(secret string, t time.Time) (string, error) {
	key, err := decodeTOTPSecret(secret)
	if err != nil {
		return "", err
	}
	return totpAt(key, t.Unix()/int64(totpStep/time.Second)), nil
}

// checkTOTP reports whether code is valid at now, allowing one step of clock
// drift either way, as AWS does.
func checkTOTP(secret, code string, now time.Time) bool {
	key, err := decodeTOTPSecret(secret)
	if err != nil || len(code) != 6 {
		return false
	}
	counter := now.Unix() / int64(totpStep/time.Second)
	ok := 0
	for d := int64(-1); d <= 1; d++ {
		ok |= subtle.ConstantTimeCompare([]byte(totpAt(key, counter+d)), []byte(code))
	}
	return ok == 1
}

func totpAt(key []byte, counter int64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(counter))
	mac := hmac.New(sha1.New, key)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", v%1_000_000)
}

// decodeTOTPSecret accepts the forms authenticator apps do: any case,
// spaces, with or without padding.
func decodeTOTPSecret(s string) ([]byte, error) {
	s = strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	s = strings.TrimRight(s, "=")
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("mfa secret is not base32: %w", err)
	}
	if len(key) == 0 {
		return nil, fmt.Errorf("mfa secret is empty")
	}
	return key, nil
}
