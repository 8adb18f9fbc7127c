package credendpoint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/secret"
)

func start(t *testing.T, src Source) *Server {
	t.Helper()
	s, err := Start(src, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func get(t *testing.T, url, token string) (int, map[string]string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var m map[string]string
	_ = json.Unmarshal(body, &m)
	return resp.StatusCode, m
}

func TestEndpointRequiresTokenAndServesContainerFormat(t *testing.T) {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	s := start(t, func(context.Context) (api.Credentials, error) {
		return api.Credentials{AccessKeyID: "ASIAX", SecretAccessKey: secret.New("sk"), SessionToken: secret.New("tok"), Expiration: exp,
			AccountID: "123456789012"}, nil
	})
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Errorf("URL = %s, want loopback", s.URL())
	}
	for _, tok := range []string{"", "wrong", s.Token().Reveal() + "x"} {
		if code, m := get(t, s.URL(), tok); code != 401 || m["SecretAccessKey"] != "" {
			t.Errorf("token %q: status %d body %v, want 401 without credentials", tok, code, m)
		}
	}
	code, m := get(t, s.URL(), s.Token().Reveal())
	want := map[string]string{"AccessKeyId": "ASIAX", "SecretAccessKey": "sk", "Token": "tok", "Expiration": "2030-01-02T03:04:05Z",
		"AccountId": "123456789012"}
	if code != 200 || len(m) != len(want) {
		t.Fatalf("status %d body %v", code, m)
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %q, want %q", k, m[k], v)
		}
	}
	s.Close()
	if _, err := http.Get(s.URL()); err == nil {
		t.Errorf("endpoint still answers after Close")
	}
}

func TestEndpointReportsSourceErrors(t *testing.T) {
	s := start(t, func(context.Context) (api.Credentials, error) {
		return api.Credentials{}, &api.Error{Code: api.CodeMFARequired, Message: "profile p needs an MFA code", Hint: "run 'spin mfa p'"}
	})
	code, m := get(t, s.URL(), s.Token().Reveal())
	if code != 500 || m["message"] != "profile p needs an MFA code: run 'spin mfa p'" {
		t.Errorf("got %d %v", code, m)
	}
}

func TestEnv(t *testing.T) {
	s := start(t, func(context.Context) (api.Credentials, error) { return api.Credentials{}, errors.New("unused") })
	parent := []string{"PATH=/bin", "AWS_ACCESS_KEY_ID=AKIA", "AWS_SECRET_ACCESS_KEY=x", "AWS_SESSION_TOKEN=y",
		"AWS_PROFILE=p", "AWS_DEFAULT_PROFILE=p", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2", "AWS_REGION=us-east-1", "HOME=/h"}
	env, err := Env(parent, s, "prof", "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"PATH=/bin", "HOME=/h", "AWS_CONTAINER_CREDENTIALS_FULL_URI=" + s.URL(),
		"AWS_CONTAINER_AUTHORIZATION_TOKEN=" + s.Token().Reveal(), "SPIN_PROFILE=prof", "AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=eu-west-1"}
	if !slices.Equal(env, want) {
		t.Errorf("Env =\n%v\nwant\n%v", env, want)
	}
	if _, err := Env(append(parent, "SPIN_PROFILE=outer"), s, "prof", ""); !errors.Is(err, ErrNested) {
		t.Errorf("nested: err %v, want ErrNested", err)
	}
}

// A process that keeps knocking without the token costs one log line
// naming its uid, not one per request on the user's terminal.
func TestRefusedTokenLoggedOncePerPeer(t *testing.T) {
	var logged strings.Builder
	s, err := Start(func(context.Context) (api.Credentials, error) {
		return api.Credentials{}, errors.New("never called")
	}, slog.New(slog.NewTextHandler(&logged, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for range 5 {
		if code, _ := get(t, s.URL(), "wrong"); code != 401 {
			t.Fatalf("status %d, want 401", code)
		}
	}
	lines := strings.Split(strings.TrimSpace(logged.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], fmt.Sprintf(`peer="uid %d"`, os.Getuid())) {
		t.Errorf("log after 5 refusals:\n%s\nwant one line naming uid %d", logged.String(), os.Getuid())
	}
}

// A connection that sends nothing is dropped after the idle limit, and no
// more than MaxConns are served at once: a request waits until one frees.
func TestConnectionLimits(t *testing.T) {
	s, err := StartLimited(func(context.Context) (api.Credentials, error) {
		return api.Credentials{AccessKeyID: "ASIAX", SecretAccessKey: secret.New("sk"), Expiration: time.Now().Add(time.Hour)}, nil
	}, slog.New(slog.DiscardHandler), Limits{MaxConns: 2, Idle: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	addr := strings.TrimSuffix(strings.TrimPrefix(s.URL(), "http://"), "/")

	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	if _, err := idle.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("idle connection: %v, want closed by the server", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("idle connection held %s", d)
	}

	// Two silent connections fill the limit; a third request waits for them.
	var hogs []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		hogs = append(hogs, c)
	}
	time.Sleep(50 * time.Millisecond)
	client := &http.Client{Timeout: 300 * time.Millisecond}
	req, _ := http.NewRequest("GET", s.URL(), nil)
	req.Header.Set("Authorization", s.Token().Reveal())
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
		t.Error("a third connection was served while two were held")
	}
	for _, c := range hogs {
		c.Close()
	}
	client.Timeout = 5 * time.Second
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("after the others closed: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("status %d", resp.StatusCode)
	}
}
