package broker

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A credential_process line's --config names the spin config it was
// written from. spind serves one: a request for another is refused with
// both paths and the fix, not looked up (and refused as unknown, with a
// fix pointing at the wrong file) in the config spind serves.
func TestCredentialsForAnotherConfigRefused(t *testing.T) {
	f := newFixture(t, basicConfig, time.Now)
	other := filepath.Join(t.TempDir(), "other.yaml")
	if err := os.WriteFile(other, []byte(basicConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	rec, _ := f.get(t, "/v1/credentials/p?config="+url.QueryEscape(other))
	if rec.Code != http.StatusConflict {
		t.Fatalf("another config: %d %s, want 409", rec.Code, rec.Body)
	}
	e := decodeErr(t, rec)
	if !strings.Contains(e.Message, "profile p's credential_process line names spin config "+other) ||
		!strings.Contains(e.Message, "serves "+f.conf) || !strings.Contains(e.Hint, "spin daemon stop") {
		t.Errorf("another config: %+v, want both paths and 'spin daemon stop'", e)
	}
	if n := f.sts.calls.Load(); n != 0 {
		t.Errorf("STS calls for another config's profile = %d, want 0", n)
	}
	// Nor is it a failure of the profile of that name in spind's config.
	if st := f.status(t); len(st.Failures) != 0 {
		t.Errorf("status failures %+v, want none", st.Failures)
	}

	// The config spind serves, by its path or through a symlink, and a
	// request that names none (an older helper, a line without --config).
	link := filepath.Join(t.TempDir(), "link.yaml")
	if err := os.Symlink(f.conf, link); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"?config=" + url.QueryEscape(f.conf), "?config=" + url.QueryEscape(link), ""} {
		if rec, _ := f.get(t, "/v1/credentials/p"+path); rec.Code != http.StatusOK {
			t.Errorf("%q: %d %s, want the credentials", path, rec.Code, rec.Body)
		}
	}
}
