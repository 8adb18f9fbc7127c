package broker

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A cached session's credential_process JSON is made once per STS answer
// and served as bytes; a new STS answer gets JSON of its own.
func TestSessionJSONRenderedOnce(t *testing.T) {
	f := newFixture(t, basicConfig, time.Now)
	key := sessionKey{"p", "fixed"}
	out := func() any {
		f.b.sessMu.Lock()
		defer f.b.sessMu.Unlock()
		return f.b.sessions[key].out // compares its rendering by pointer
	}
	body := func() string {
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/credentials/p", nil))
		return rec.Body.String()
	}
	b1 := body()
	r1 := out()
	if b2 := body(); b1 != b2 || !strings.HasPrefix(b1, `{"Version":1,"AccessKeyId":"ASIAFAKE`) {
		t.Errorf("two answers from one session differ:\n%s\n%s", b1, b2)
	}
	if r2 := out(); r1 != r2 {
		t.Errorf("the session was rendered again for a cache hit")
	}
	f.b.dropSession(key)
	if b3 := body(); b3 == b1 || out() == r1 {
		t.Errorf("a new session was served with the old one's JSON")
	}
}
