package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// spin prints spind's (and AWS's) error text without terminal control
// characters: an escape sequence in a message cannot retitle the window
// or erase the line that explains the failure.
func TestErrorTextStrippedOfControlCharacters(t *testing.T) {
	dir, err := os.MkdirTemp("", "spinesc") // short: socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "broker.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"error":"keyring","message":"\u001b]0;owned\u0007keyring \u001b[1;31mfailed\u001b[0m\r\u001b[2K","hint":"run \u009b2Jspin doctor"}`))
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })

	var stdout, stderr bytes.Buffer
	e := &env{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr}
	if code := run(context.Background(), []string{"status", "--socket", sock}, e); code != 1 {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	if want := "spin: keyring failed\nspin: hint: run spin doctor\n"; stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
}
