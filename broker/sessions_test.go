package broker

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// A cached session serves a profile while what it carries into CloudTrail
// (source identity, session tags, transitive tag keys) is what the profile
// says; an edit of any of them makes the next request assume the role
// afresh, and rewriting the same settings does not.
func TestAttributionEditsMakeANewSession(t *testing.T) {
	f := newFixture(t, basicConfig, time.Now)
	write := func(attr string) {
		t.Helper()
		conf := strings.Replace(basicConfig, "role_session_name: fixed\n", "role_session_name: fixed\n"+attr, 1)
		if err := os.WriteFile(f.conf, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	const base = "    source_identity: alice-x\n    session_tags:\n      team: infra\n    transitive_tag_keys: [team]\n"
	attr := base
	for i, step := range []struct {
		what, old, new string
		calls          int32
	}{
		{"first request", "", "", 1},
		{"the same settings written again", "", "", 1},
		{"source_identity edited", "alice-x", "bob-x", 2},
		{"a tag's value edited", "infra", "platform", 3},
		{"a tag added", "team: platform\n", "team: platform\n      cost: c1\n", 4},
		{"transitive_tag_keys edited", "[team]", "[]", 5},
		{"nothing edited", "", "", 5},
	} {
		attr = strings.Replace(attr, step.old, step.new, 1)
		write(attr)
		if rec, _ := f.get(t, "/v1/credentials/p"); rec.Code != 200 {
			t.Fatalf("step %d (%s): %d %s", i, step.what, rec.Code, rec.Body)
		}
		if got := f.sts.calls.Load(); got != step.calls {
			t.Errorf("%s: %d AssumeRole calls in all, want %d", step.what, got, step.calls)
		}
	}
}

// Handing out a cached session allocates nothing: nearly every request
// is one.
func TestCachedSessionAllocatesNothing(t *testing.T) {
	f := newFixture(t, basicConfig, time.Now)
	_, want := f.get(t, "/v1/credentials/p")
	conf, aerr := f.b.config()
	if aerr != nil {
		t.Fatal(aerr)
	}
	p, err := conf.Resolve("p")
	if err != nil {
		t.Fatal(err)
	}
	src, def, aerr := f.b.sourceFor(conf, p)
	if aerr != nil {
		t.Fatal(aerr)
	}
	req := Request{Conf: conf, Profile: p, Def: def, SessionName: p.RoleSessionName}
	key := sessionKey{"p", p.RoleSessionName}
	ctx := context.Background()
	var got string
	allocs := testing.AllocsPerRun(100, func() {
		c, _, _ := f.b.session(ctx, key, src, req)
		got = c.AccessKeyID
	})
	if got != want.AccessKeyID {
		t.Fatalf("handed out %q, want the cached %q", got, want.AccessKeyID)
	}
	if allocs != 0 {
		t.Errorf("a cache hit: %v allocations, want 0", allocs)
	}
}

// Answering from the cache, credentials() allocates nothing: the profile
// is resolved once per version of config.yaml, and an edit applies at once.
func TestCachedAnswerAllocatesNothing(t *testing.T) {
	f := newFixture(t, basicConfig, time.Now)
	_, want := f.get(t, "/v1/credentials/p")
	conf, aerr := f.b.config()
	if aerr != nil {
		t.Fatal(aerr)
	}
	ctx := context.Background()
	var got string
	allocs := testing.AllocsPerRun(100, func() {
		c, _, _ := f.b.credentials(ctx, conf, "p", "", false, false, asker{})
		got = c.AccessKeyID
	})
	if got != want.AccessKeyID {
		t.Fatalf("handed out %q, want the cached %q", got, want.AccessKeyID)
	}
	if allocs != 0 {
		t.Errorf("a cached answer: %v allocations, want 0", allocs)
	}
	// A new role_session_name is a new session, from the next request.
	edited := strings.Replace(basicConfig, "role_session_name: fixed", "role_session_name: edited", 1)
	if err := os.WriteFile(f.conf, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, c := f.get(t, "/v1/credentials/p"); c.AccessKeyID == want.AccessKeyID {
		t.Errorf("after editing role_session_name: the old session")
	}
	if _, ok := f.sts.names.Load("edited"); !ok {
		t.Errorf("no AssumeRole with the edited session name")
	}
}
