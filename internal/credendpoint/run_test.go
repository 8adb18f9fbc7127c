package credendpoint

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/cloudspin/spin/broker/api"
)

func TestRunGivesTheChildTheEndpointAndItsExitCode(t *testing.T) {
	src := func(context.Context) (api.Credentials, error) { return api.Credentials{}, nil }
	var out strings.Builder
	code, err := Run(src, Child{
		Argv:    []string{"/bin/sh", "-c", `echo "$SPIN_PROFILE $AWS_REGION ${AWS_SECRET_ACCESS_KEY:-none} $AWS_CONTAINER_CREDENTIALS_FULL_URI"; exit 4`},
		Environ: []string{"PATH=/usr/bin:/bin", "AWS_SECRET_ACCESS_KEY=leaked", "AWS_REGION=us-east-1"},
		Profile: "p", Region: "eu-west-1", Stdout: &out, Stderr: io.Discard,
	}, slog.New(slog.DiscardHandler))
	if err != nil || code != 4 {
		t.Fatalf("got %d, %v; want exit 4", code, err)
	}
	f := strings.Fields(out.String())
	if len(f) != 4 || f[0] != "p" || f[1] != "eu-west-1" || f[2] != "none" || !strings.HasPrefix(f[3], "http://127.0.0.1:") {
		t.Errorf("the child saw %q; want profile p, region eu-west-1, no static key and a loopback endpoint", out.String())
	}
	if _, err := Run(src, Child{Argv: []string{"/bin/true"}, Environ: []string{"SPIN_PROFILE=outer"}}, slog.New(slog.DiscardHandler)); err != ErrNested {
		t.Errorf("nested: got %v, want ErrNested", err)
	}
}
