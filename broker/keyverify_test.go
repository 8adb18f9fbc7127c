package broker

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/awsnet"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/keystore"
)

// POST /v1/keys/{name}/verify checks a key set with GetCallerIdentity
// against the emulator, which verifies SigV4: a wrong secret, an access key
// IAM does not know and a key set missing from the keyring each fail with
// what is wrong and the command that fixes it.
func TestVerifyKeySets(t *testing.T) {
	f := newEmuFixture(t, basicConfig, 1)
	f.b.cfg.Net = awsnet.Config{Endpoints: awsnet.Endpoints{awsnet.STS: f.srv.URL}, From: "config.yaml"}
	f.keys.sets["wrong"] = keystore.KeySet{Name: "wrong", AccessKeyID: keyID, SecretAccessKey: secret.New("not-the-secret-at-all-0000000000000000000")}
	f.keys.sets["deleted"] = keystore.KeySet{Name: "deleted", AccessKeyID: "AKIADELETEDKEY000001", SecretAccessKey: secret.New(keySecret)}
	verify := func(name string) (int, api.KeyVerify, api.Error) {
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/keys/"+name+"/verify", nil))
		var ok api.KeyVerify
		var e api.Error
		if rec.Code == http.StatusOK {
			_ = json.NewDecoder(rec.Body).Decode(&ok)
		} else {
			_ = json.NewDecoder(rec.Body).Decode(&e)
		}
		return rec.Code, ok, e
	}
	if code, ok, e := verify("user"); code != http.StatusOK || ok.ARN != "arn:aws:iam::123456789012:user/u" || ok.AccessKeyID != "AKIA…MPLE" {
		t.Errorf("user: %d %+v %+v", code, ok, e)
	}
	tests := []struct {
		name        string
		status      int
		msg, hint   string
		emulatorHas string // the rejection the emulator counted
	}{
		{"wrong", http.StatusBadGateway, "STS refused the secret of AKIA…MPLE (SignatureDoesNotMatch)", "spin keys add wrong --force", "SignatureDoesNotMatch"},
		{"deleted", http.StatusBadGateway, "STS does not know AKIA…0001 (InvalidClientTokenId): the access key was deleted in IAM", "spin keys add deleted --force", "InvalidClientTokenId"},
		{"ghost", http.StatusNotFound, "key set ghost is not in the", "run 'spin keys add ghost'", ""},
	}
	for _, tt := range tests {
		code, _, e := verify(tt.name)
		if code != tt.status || !strings.Contains(e.Message, tt.msg) || !strings.Contains(e.Hint, tt.hint) {
			t.Errorf("%s: %d %q (hint %q), want %d %q (hint with %q)", tt.name, code, e.Message, e.Hint, tt.status, tt.msg, tt.hint)
		}
		if tt.emulatorHas != "" && f.emu.Rejections(tt.emulatorHas) == 0 {
			t.Errorf("%s: the emulator refused nothing with %s", tt.name, tt.emulatorHas)
		}
	}
	if n := f.emu.Calls("GetCallerIdentity"); n != 1 {
		t.Errorf("GetCallerIdentity calls = %d, want 1 (one per key set STS accepted)", n)
	}
}
