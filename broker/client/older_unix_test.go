//go:build unix

package client

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"testing"

	"github.com/cloudspin/spin/broker/api"
)

// olderSpind answers as a spind from before GET /v1/keys/{name} and the
// MFA check: its mux has the other methods of the key path (so a GET gets
// 405), and its MFA body decoder refuses unknown fields. mfaCodes counts
// the MFA requests it took as a code.
func olderSpind(t *testing.T, mfaCodes *int) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/keys", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode([]api.KeyInfo{{Name: "work", AccessKeyID: "AKIA…MPLE"}})
	})
	mux.HandleFunc("PUT /v1/keys/{name}", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("DELETE /v1/keys/{name}", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("POST /v1/mfa/{profile}", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Code string `json:"code"`
		}
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(api.Error{Code: api.CodeBadRequest, Message: "malformed request body: " + err.Error()})
			return
		}
		*mfaCodes++
		w.WriteHeader(http.StatusNoContent)
	})
	path := socketPath(t)
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return path
}

// spin upgraded while an older spind runs on: the checks before a prompt
// must not make spin mfa, keys remove or keys allow-export fail.
func TestChecksWithOlderSpind(t *testing.T) {
	var codes int
	c := New(olderSpind(t, &codes))
	defer c.Close()
	if err := c.MFACheck(t.Context(), "p"); err != nil {
		t.Errorf("MFACheck with an older spind: %v; want nil (nothing to check)", err)
	}
	if codes != 0 {
		t.Errorf("the older spind took the check as %d code(s)", codes)
	}
	k, err := c.Key(t.Context(), "work")
	if err != nil || k.Name != "work" || k.AccessKeyID != "AKIA…MPLE" {
		t.Errorf("Key(work) with an older spind = %+v, %v; want the listed key set", k, err)
	}
	_, err = c.Key(t.Context(), "wrok")
	if e, ok := errors.AsType[*Error](err); !ok || e.Code() != api.CodeNotFound || e.Error() != "no key set wrok in the keyring" {
		t.Errorf("Key(wrok) with an older spind: %v; want not found", err)
	}
}
