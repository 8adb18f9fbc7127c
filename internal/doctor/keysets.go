package doctor

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/hint"
	"github.com/cloudspin/spin/profiles"
)

// verifyTimeout bounds one key set's check: spind gives STS its own AWS
// timeout (15 s by default) and answers with the service and endpoint
// named; this is only the backstop for a spind that never answers.
const verifyTimeout = 30 * time.Second

// keySetChecks reports, for each key set stored, whether STS accepts it
// (GetCallerIdentity through spind, all key sets at once, unless offline),
// and each key set a profile of config.yaml names that the keyring does
// not hold.
func keySetChecks(ctx context.Context, d Daemon, keys []api.KeyInfo, s *profiles.Setup, offline bool) []Check {
	var out []Check
	stored := map[string]bool{}
	for _, k := range keys {
		stored[k.Name] = true
	}
	if s != nil && s.Config != nil {
		missing := map[string][]string{} // key set -> profiles naming it
		for _, name := range s.Config.Order {
			p := s.Config.Profiles[name]
			if _, isSource := s.Config.Sources[p.Source]; isSource || p.Source == "" || stored[p.Source] {
				continue
			}
			missing[p.Source] = append(missing[p.Source], name)
		}
		for _, ks := range slices.Sorted(maps.Keys(missing)) {
			out = append(out, Check{Fail, "key set " + ks,
				fmt.Sprintf("not in the keyring, but profile %s names it", strings.Join(missing[ks], ", ")),
				"spin keys add " + ks})
		}
	}
	if offline {
		return out
	}
	checks := make([]Check, len(keys))
	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, verifyTimeout)
			defer cancel()
			checks[i] = verifyCheck(cctx, k, d.VerifyKey)
		})
	}
	wg.Wait()
	return append(checks, out...)
}

// verifyCheck is one key set's GetCallerIdentity as a check line.
func verifyCheck(ctx context.Context, k api.KeyInfo, verify func(context.Context, string) (api.KeyVerify, error)) Check {
	name := "key set " + k.Name
	v, err := verify(ctx, k.Name)
	if err != nil {
		msg := err.Error()
		if errors.Is(err, context.DeadlineExceeded) {
			msg = "spind did not answer in " + verifyTimeout.String()
		}
		status := Fail
		var ce interface{ Code() string }
		if errors.As(err, &ce) && ce.Code() == api.CodeAWSUnreachable || errors.Is(err, context.DeadlineExceeded) {
			status = Warn // STS did not answer: nothing is known about the keys
		}
		return Check{status, name, msg, strings.TrimPrefix(hint.Of(err), "run ")}
	}
	return Check{OK, name, v.AccessKeyID + " is " + v.ARN + " (STS GetCallerIdentity)", ""}
}
