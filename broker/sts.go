package broker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/awshttp"
	"github.com/cloudspin/spin/internal/awsnet"
	"github.com/cloudspin/spin/internal/secret"
	"github.com/cloudspin/spin/profiles"
)

// AssumeRoleInput is one AssumeRole call.
type AssumeRoleInput struct {
	Region      string
	RoleARN     string
	SessionName string
	ExternalID  string
	Duration    time.Duration
	// SourceIdentity (empty: none), Tags and TransitiveTagKeys attribute
	// the session in CloudTrail (profiles' source_identity, session_tags).
	SourceIdentity    string
	Tags              []profiles.Tag
	TransitiveTagKeys []string
}

// assumeRoleInput is the AssumeRole call a profile makes as session name.
func assumeRoleInput(p profiles.Resolved, sessionName string) AssumeRoleInput {
	return AssumeRoleInput{Region: p.Region, RoleARN: p.RoleARN, SessionName: sessionName,
		ExternalID: p.ExternalID, Duration: p.Duration, SourceIdentity: p.SourceIdentity,
		Tags: p.SessionTags, TransitiveTagKeys: p.TransitiveTagKeys}
}

// SessionTokenInput is one GetSessionToken call, with an MFA code or
// (spin exec of a profile without role and MFA) without.
type SessionTokenInput struct {
	Region       string
	SerialNumber string
	TokenCode    string
	Duration     time.Duration
}

// STS is the part of AWS STS spind uses. Caller holds explicit credentials
// (a key set's long-term keys), never a shared-config profile, so a
// credential_process profile can never end up calling itself.
type STS interface {
	AssumeRole(ctx context.Context, caller api.Credentials, in AssumeRoleInput) (api.Credentials, error)
	GetSessionToken(ctx context.Context, caller api.Credentials, in SessionTokenInput) (api.Credentials, error)
}

// SDKSTS calls STS through aws-sdk-go-v2.
type SDKSTS struct {
	// Route says where each call goes (endpoint override, HTTP client with
	// proxy and CA bundle); the broker sets it to its Route. When nil,
	// Endpoint and HTTPClient are used as they are (tests).
	Route func(awsnet.Service) (endpoint string, hc *http.Client, err error)
	// Endpoint overrides the STS endpoint when Route is nil; empty means AWS.
	Endpoint string
	// MaxAttempts bounds the SDK's jittered-backoff retries (throttling,
	// 5xx, network errors); default 5.
	MaxAttempts int
	// HTTPClient carries the calls when Route is nil; nil means one made
	// on first use and kept, so calls share its connections.
	HTTPClient *http.Client

	once sync.Once
}

func (s *SDKSTS) client(caller api.Credentials, region string) (*sts.Client, error) {
	s.once.Do(func() {
		if s.HTTPClient == nil && s.Route == nil {
			s.HTTPClient = awshttp.NewClient(http.DefaultTransport.(*http.Transport).Clone())
		}
	})
	endpoint, hc := s.Endpoint, s.HTTPClient
	if s.Route != nil {
		var err error
		if endpoint, hc, err = s.Route(awsnet.STS); err != nil {
			return nil, err
		}
	}
	if region == "" {
		region = "us-east-1"
	}
	attempts := s.MaxAttempts
	if attempts == 0 {
		attempts = 5
	}
	creds := aws.Credentials{
		AccessKeyID:     caller.AccessKeyID,
		SecretAccessKey: caller.SecretAccessKey.Reveal(),
		SessionToken:    caller.SessionToken.Reveal(),
		Source:          "spind",
	}
	o := sts.Options{
		Region: region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return creds, nil
		}),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.MaxBackoff = 5 * time.Second
		}),
	}
	if hc != nil {
		o.HTTPClient = hc
	}
	if endpoint != "" {
		o.BaseEndpoint = aws.String(endpoint)
	}
	return sts.New(o), nil
}

// AssumeRole implements STS.
func (s *SDKSTS) AssumeRole(ctx context.Context, caller api.Credentials, in AssumeRoleInput) (api.Credentials, error) {
	req := &sts.AssumeRoleInput{
		RoleArn:         aws.String(in.RoleARN),
		RoleSessionName: aws.String(in.SessionName),
		DurationSeconds: aws.Int32(int32(in.Duration / time.Second)),
	}
	if in.ExternalID != "" {
		req.ExternalId = aws.String(in.ExternalID)
	}
	if in.SourceIdentity != "" {
		req.SourceIdentity = aws.String(in.SourceIdentity)
	}
	for _, t := range in.Tags {
		req.Tags = append(req.Tags, types.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)})
	}
	req.TransitiveTagKeys = in.TransitiveTagKeys
	c, err := s.client(caller, in.Region)
	if err != nil {
		return api.Credentials{}, err
	}
	out, err := c.AssumeRole(ctx, req)
	if err != nil {
		return api.Credentials{}, err
	}
	creds, err := fromSDK(out.Credentials)
	if out.AssumedRoleUser != nil {
		creds.AccountID = accountOf(aws.ToString(out.AssumedRoleUser.Arn))
	}
	return creds, err
}

// accountOf is the account field of an ARN (arn:PARTITION:SERVICE:REGION:
// ACCOUNT:…), empty when arn has none.
func accountOf(arn string) string {
	f := strings.SplitN(arn, ":", 6)
	if len(f) < 6 || f[0] != "arn" || len(f[4]) != 12 {
		return ""
	}
	return f[4]
}

// GetSessionToken implements STS.
func (s *SDKSTS) GetSessionToken(ctx context.Context, caller api.Credentials, in SessionTokenInput) (api.Credentials, error) {
	c, err := s.client(caller, in.Region)
	if err != nil {
		return api.Credentials{}, err
	}
	input := &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(int32(in.Duration / time.Second))}
	if in.SerialNumber != "" { // without MFA, STS wants neither parameter
		input.SerialNumber, input.TokenCode = aws.String(in.SerialNumber), aws.String(in.TokenCode)
	}
	out, err := c.GetSessionToken(ctx, input)
	if err != nil {
		return api.Credentials{}, err
	}
	return fromSDK(out.Credentials)
}

func fromSDK(c *types.Credentials) (api.Credentials, error) {
	if c == nil || c.AccessKeyId == nil || c.SecretAccessKey == nil || c.SessionToken == nil || c.Expiration == nil {
		return api.Credentials{}, errors.New("STS answered without credentials")
	}
	return api.Credentials{
		AccessKeyID:     *c.AccessKeyId,
		SecretAccessKey: secret.New(*c.SecretAccessKey),
		SessionToken:    secret.New(*c.SessionToken),
		Expiration:      *c.Expiration,
	}, nil
}

// noAnswer is the line and the hint for a call to AWS that got no answer
// in time (awshttp.NoAnswerError): the service, operation and endpoint, so
// a hung STS or proxy is named instead of ending as the client's socket
// timeout.
func noAnswer(err error) (msg, hint string, ok bool) {
	var na *awshttp.NoAnswerError
	if !errors.As(err, &na) {
		return "", "", false
	}
	op := ""
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		op = oe.OperationName
	}
	return na.Describe(op), fmt.Sprintf("check that %s is the endpoint you meant and that it answers from here (proxy, firewall, VPN); 'spin status' shows the endpoints and proxy spind uses", na.Endpoint), true
}

// stsHint turns an STS failure into the next thing the user should do.
func stsHint(err error, keySet, profile string) string {
	if _, hint, ok := noAnswer(err); ok {
		return hint
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return "check the network path to STS ('spin status' shows the endpoint and proxy in use), then retry"
	}
	switch ae.ErrorCode() {
	case "SignatureDoesNotMatch":
		if strings.Contains(strings.ToLower(ae.ErrorMessage()), "expired") {
			return "the system clock is off: sync it (timedatectl, ntpdate), then retry"
		}
		return fmt.Sprintf("the secret of key set %s is wrong: run 'spin keys add %s --force'", keySet, keySet)
	case "InvalidClientTokenId":
		return fmt.Sprintf("the access key of key set %s is unknown or disabled: create a new one and run 'spin keys add %s --force'", keySet, keySet)
	case "AccessDenied":
		return fmt.Sprintf("the role's trust policy must allow the user of key set %s sts:AssumeRole, and sts:SetSourceIdentity and sts:TagSession when profile %s sends a source_identity (the default) or session_tags; check its role_arn", keySet, profile)
	case "Throttling", "ThrottlingException", "RequestLimitExceeded":
		return "STS is throttling: retry in a minute"
	case "ExpiredToken":
		return "the session used to call STS expired: retry; if it persists, run 'spin daemon stop' to drop cached sessions"
	}
	return "see the STS error above"
}

// stsMessage renders an STS error without the SDK's request-id noise.
func stsMessage(err error) string {
	if msg, _, ok := noAnswer(err); ok {
		return msg
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// A call that never got an answer: the SDK's wrapping ("https
		// response error StatusCode: 0, RequestID: , request send
		// failed, Post …") says less than where and why.
		why := ue.Err.Error()
		var ne *net.OpError
		if errors.As(ue.Err, &ne) {
			why = ne.Err.Error()
		}
		where := ue.URL
		if u, perr := url.Parse(ue.URL); perr == nil {
			where = u.Scheme + "://" + u.Host
		}
		return "cannot reach " + where + ": " + why
	}
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		return oe.Err.Error()
	}
	return err.Error()
}
