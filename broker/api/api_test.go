package api

import (
	"bytes"
	"testing"
	"time"

	"github.com/cloudspin/spin/internal/secret"
)

// Rendered JSON is what WriteProcessJSON would write, and is not used for a
// copy whose fields were changed afterwards.
func TestRenderedProcessJSON(t *testing.T) {
	c := Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: secret.New("s"), SessionToken: secret.New("t"),
		Expiration: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), AccountID: "123456789012"}
	var fresh, pre bytes.Buffer
	if err := c.WriteProcessJSON(&fresh); err != nil {
		t.Fatal(err)
	}
	r := c.Rendered()
	if err := r.WriteProcessJSON(&pre); err != nil {
		t.Fatal(err)
	}
	if fresh.String() != pre.String() {
		t.Fatalf("rendered %s, encoded %s", pre.String(), fresh.String())
	}
	moved := r
	moved.Expiration = moved.Expiration.Add(-time.Hour)
	var out bytes.Buffer
	_ = moved.WriteProcessJSON(&out)
	if want := `"Expiration":"2030-01-02T02:04:05Z"`; !bytes.Contains(out.Bytes(), []byte(want)) {
		t.Errorf("a copy with a new expiry wrote %s, want %s", out.String(), want)
	}
	if want := `"AccountId":"123456789012"`; !bytes.Contains(pre.Bytes(), []byte(want)) {
		t.Errorf("rendered %s, want %s", pre.String(), want)
	}
	back, err := DecodeProcessJSON(&pre)
	if err != nil || back.AccessKeyID != c.AccessKeyID || back.AccountID != c.AccountID || back.SessionToken.Reveal() != "t" || !back.Expiration.Equal(c.Expiration) {
		t.Errorf("round trip: %+v, %v", back, err)
	}
}
