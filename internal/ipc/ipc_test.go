package ipc

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"
)

// spind's protocol (HTTP) runs over whatever Default returns: here the
// unix socket, on Windows the pipe.
func TestDefaultTransportCarriesHTTP(t *testing.T) {
	tr := Default()
	addr := filepath.Join(t.TempDir(), "broker.sock")
	ln, err := tr.Listen(addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello "+r.URL.Path) })}
	go srv.Serve(ln)
	defer srv.Close()

	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return tr.Dial(ctx, addr)
	}}}
	resp, err := client.Get("http://spind/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hello /v1/status" {
		t.Errorf("body %q", body)
	}

	// Dialling where nothing listens fails within the context.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if c, err := tr.Dial(ctx, filepath.Join(t.TempDir(), "none.sock")); err == nil {
		c.Close()
		t.Error("dialled an address nobody listens on")
	}
}

func TestPipeSecurityDescriptor(t *testing.T) {
	// Protected DACL, one allow entry, for the user's SID only.
	if got := PipeSDDL("S-1-5-21-1-2-3-1001"); got != "D:P(A;;GA;;;S-1-5-21-1-2-3-1001)" {
		t.Errorf("PipeSDDL = %q", got)
	}
}
