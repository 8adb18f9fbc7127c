package broker

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/awsnet"
	"github.com/cloudspin/spin/internal/console"
	"github.com/cloudspin/spin/profiles"
)

// consoleIssuer is what the console shows as the sign-in's origin.
const consoleIssuer = "spin"

// handleConsole makes an AWS console sign-in URL for a profile: role
// profiles sign in with their (cached) role session; key-set profiles
// without a role with a GetFederationToken session of the key set's IAM
// user. The credentials never leave spind; the URL does, to the CLI only.
func (b *Broker) handleConsole(w http.ResponseWriter, r *http.Request) {
	b.lockIfIdle()
	b.touch()
	profile := r.PathValue("profile")
	var req api.ConsoleRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, bodyError(err))
		return
	}
	d := time.Duration(req.DurationSeconds) * time.Second
	switch {
	case d == 0:
		d = time.Hour
	case d < 15*time.Minute || d > 12*time.Hour:
		writeError(w, errorf(api.CodeBadRequest, "use --duration between 15m and 12h", "console session of %s: the console allows up to 12h", d))
		return
	}
	conf, p, aerr := b.resolve(profile)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
	defer cancel()
	out, aerr := b.consoleURL(ctx, conf, p, req.Path, d)
	// A console sign-in is a hand-out like any other: the audit log has it.
	b.record(b.whoAsked(r.Context()), profile, "console", aerr == nil, aerr)
	if aerr != nil {
		b.log.Info("console sign-in refused", "profile", profile, "code", aerr.Code, "message", aerr.Message)
		writeError(w, aerr)
		return
	}
	// Never the URL: it signs in whoever opens it.
	b.log.Info("console sign-in URL made", "profile", profile, "identity", out.Identity, "session", d)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = out.Encode(w)
}

func (b *Broker) consoleURL(ctx context.Context, conf *profiles.Config, p profiles.Resolved, path string, d time.Duration) (api.ConsoleURL, *api.Error) {
	var sess api.Credentials
	var part, identity string
	var sessionDuration time.Duration
	if p.Bootstrap() {
		// No role: a federated user of the key set's IAM user. AWS allows
		// GetFederationToken only with long-term keys, MFA or not.
		if aerr := checkCaller(conf, p, b.whoAsked(ctx)); aerr != nil {
			return api.ConsoleURL{}, aerr
		}
		ks, aerr := b.keySet(ctx, conf, p.Source, p.Name)
		if aerr != nil {
			return api.ConsoleURL{}, aerr
		}
		if mfaSerial(p, ks) != "" {
			// The call cannot carry the MFA session, so the session is
			// the proof of presence this key set asks for.
			if _, aerr := b.mfaSession(ctx, p, false); aerr != nil {
				return api.ConsoleURL{}, aerr
			}
		}
		part = keySetPartition(conf, ks)
		name := federatedName(conf.User)
		var err error
		sess, err = b.cfg.KeyAPI.FederationToken(ctx, api.Credentials{AccessKeyID: ks.AccessKeyID, SecretAccessKey: ks.SecretAccessKey}, p.Region, name, d)
		if err != nil {
			return api.ConsoleURL{}, errorf(api.CodeSTSFailed,
				fmt.Sprintf("the IAM user of key set %s needs sts:GetFederationToken; or give profile %s a role_arn", p.Source, p.Name),
				"profile %s (key set %s): GetFederationToken: %s", p.Name, p.Source, stsMessage(err))
		}
		identity = "federated user " + name + " (key set " + p.Source + ")"
	} else {
		var aerr *api.Error
		// allowed_callers holds here too: the caller is what ran spin console.
		if sess, _, aerr = b.credentials(ctx, conf, p.Name, "", false, true, b.whoAsked(ctx)); aerr != nil {
			return api.ConsoleURL{}, aerr
		}
		part, identity, sessionDuration = arnPartition(p.RoleARN), p.RoleARN, d
		if identity == "" {
			identity = "source " + p.Source
		}
	}
	override, hc, err := b.Route(awsnet.Signin)
	if err != nil {
		return api.ConsoleURL{}, errorf(api.CodeConfigInvalid, "fix network: in "+conf.Path, "%v", err)
	}
	dest, err := console.Destination(part, path, p.Region)
	if err != nil {
		return api.ConsoleURL{}, errorf(api.CodeBadRequest, "use --path /s3 or --path /ec2/home", "%v", err)
	}
	u, err := console.SigninURL(ctx, hc, console.Request{
		Endpoint: console.FederationEndpoint(part, override), Session: console.Session{AccessKeyID: sess.AccessKeyID,
			SecretAccessKey: sess.SecretAccessKey, SessionToken: sess.SessionToken},
		Destination: dest, Issuer: consoleIssuer, SessionDuration: sessionDuration,
	})
	if err != nil {
		return api.ConsoleURL{}, errorf(api.CodeSTSFailed, "retry; 'spin status' shows the endpoints in use",
			"profile %s: console sign-in: %v", p.Name, err)
	}
	return api.ConsoleURL{URL: u, Identity: identity}, nil
}

var federatedNameBad = regexp.MustCompile(`[^\w+=,.@-]`)

// federatedName is the federated user's name: spin-USER, within STS's
// 2 to 32 characters of [\w+=,.@-].
func federatedName(user string) string {
	n := "spin-" + federatedNameBad.ReplaceAllString(user, "_")
	if user == "" {
		n = "spin-console"
	}
	return n[:min(len(n), 32)]
}

// arnPartition is the partition of an ARN; aws when it names none.
func arnPartition(arn string) string {
	if rest, ok := strings.CutPrefix(arn, "arn:"); ok {
		if part, _, ok := strings.Cut(rest, ":"); ok && part != "" {
			return part
		}
	}
	return "aws"
}
