package keyimport

import (
	"context"
	"strings"
	"testing"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/profiles"
)

func openStore(ks *memStore, opened *int) OpenStore {
	return func(context.Context) (KeyStore, func(), error) {
		*opened++
		return ks, func() {}, nil
	}
}

func TestRunKeySetImportSaysWhatHappened(t *testing.T) {
	h := newImportHome(t, "")
	getenv := func(k string) string {
		return map[string]string{"AWS_SHARED_CREDENTIALS_FILE": h.creds, "AWS_CONFIG_FILE": h.aws}[k]
	}
	ks := &memStore{keys: map[string]api.KeyRequest{}}
	var opened int
	var stdout, stderr strings.Builder
	err := RunKeySetImport(t.Context(), getenv, KeySetOptions{From: "cloudspin_user"}, openStore(ks, &opened), Out{&stdout, &stderr})
	if err != nil {
		t.Fatal(err)
	}
	if want := "stored key set cloudspin_user (AKIA…MPLE) from [cloudspin_user] of " + h.creds + " in the mem keyring\n"; stdout.String() != want {
		t.Errorf("stdout %q, want %q", stdout.String(), want)
	}
	if !strings.Contains(stderr.String(), "spin: hint: run 'spin keys import --from-credentials-file cloudspin_user --name cloudspin_user --remove --force' to delete it") {
		t.Errorf("no hint to remove the plaintext key: %q", stderr.String())
	}
	if strings.Contains(stdout.String()+stderr.String(), impSecret) {
		t.Error("the secret was printed")
	}

	// A profile the file lacks is refused before spind is reached.
	opened = 0
	err = RunKeySetImport(t.Context(), getenv, KeySetOptions{From: "nosuch"}, openStore(ks, &opened), Out{&stdout, &stderr})
	if err == nil || opened != 0 {
		t.Errorf("got %v after opening spind %d times", err, opened)
	}
}

func TestRunProfilesImportDryRunTouchesNothing(t *testing.T) {
	h := newImportHome(t, "")
	before := h.snapshot(t)
	cfg, err := profiles.Load(h.cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := &profiles.Setup{Config: cfg, Helper: profiles.Helper{Path: "/usr/bin/spin"}, AWSPath: h.aws}
	getenv := func(k string) string { return map[string]string{"AWS_SHARED_CREDENTIALS_FILE": h.creds}[k] }
	ks := &memStore{keys: map[string]api.KeyRequest{}}
	var opened int
	var stdout, stderr strings.Builder
	if err := RunProfilesImport(t.Context(), s, getenv, false, true, openStore(ks, &opened), Out{&stdout, &stderr}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stdout.String(), "would import profile assume-cloudspin_examples-account") || ks.puts != 0 {
		t.Errorf("got %q after %d puts; want a plan and nothing stored", stdout.String(), ks.puts)
	}
	for p, data := range h.snapshot(t) {
		if before[p] != data {
			t.Errorf("%s changed in a dry run", p)
		}
	}
}
