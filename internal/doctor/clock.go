package doctor

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/awsnet"
	"github.com/cloudspin/spin/profiles"
)

// stsTarget is the STS spind talks to, so the clock is compared with the
// server that checks its signatures: the endpoint a running spind reports,
// else config.yaml's endpoints:/network: over this shell's variables (what
// `spin daemon start` from here would use), else AWS's.
func stsTarget(getenv func(string) string, s *profiles.Setup, running *api.Status) awsnet.Config {
	n := awsnet.FromEnv(getenv)
	if s != nil {
		n = s.Config.Net.Over(n)
	}
	if running != nil {
		n.Endpoints = awsnet.Endpoints{awsnet.STS: running.Endpoints[string(awsnet.STS)]}
	}
	return n
}

// clockCheck compares the local clock with the Date header of STS: SigV4
// refuses requests more than 5 minutes off.
func clockCheck(ctx context.Context, newClient func(awsnet.Network) (*http.Client, error), n awsnet.Config) Check {
	url := cmp.Or(n.Endpoint(awsnet.STS), "https://sts.amazonaws.com")
	hc, err := newClient(n.Network)
	if err != nil {
		return Check{Warn, "clock", err.Error(), ""}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Check{Warn, "clock", err.Error(), ""}
	}
	before := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return Check{Warn, "clock", "cannot reach STS at " + url + " to compare clocks", ""}
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	remote, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return Check{Warn, "clock", "STS at " + url + " sent no Date header", ""}
	}
	skew := remote.Sub(before.Add(time.Since(before) / 2)).Round(time.Second)
	if skew.Abs() > 4*time.Minute {
		return Check{Fail, "clock", fmt.Sprintf("%s off from STS; SigV4 refuses over 5m", skew), "sync the clock (timedatectl set-ntp true)"}
	}
	return Check{OK, "clock", fmt.Sprintf("within %s of STS", max(skew.Abs(), time.Second)), ""}
}
