package credendpoint

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
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
		return api.Credentials{AccessKeyID: "ASIAX", SecretAccessKey: secret.New("sk"), SessionToken: secret.New("tok"), Expiration: exp}, nil
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
	want := map[string]string{"AccessKeyId": "ASIAX", "SecretAccessKey": "sk", "Token": "tok", "Expiration": "2030-01-02T03:04:05Z"}
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
