package broker

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/awsnet"
	"github.com/cloudspin/spin/internal/secret"
)

// AccessKey is one of an IAM user's access keys.
type AccessKey struct {
	ID      string
	Secret  secret.String // only from CreateAccessKey
	Active  bool
	Created time.Time
}

// KeyAPI is what key rotation and the console sign-in need from IAM and
// STS beyond the session calls of STS. Every call takes the caller's
// credentials explicitly, as STS's do. partition picks IAM's region.
type KeyAPI interface {
	ListAccessKeys(ctx context.Context, caller api.Credentials, partition string) ([]AccessKey, error)
	CreateAccessKey(ctx context.Context, caller api.Credentials, partition string) (AccessKey, error)
	DeleteAccessKey(ctx context.Context, caller api.Credentials, partition, id string) error
	SetAccessKeyActive(ctx context.Context, caller api.Credentials, partition, id string, active bool) error
	// CallerIdentity is STS GetCallerIdentity: the caller's ARN. One
	// attempt only: the caller decides how to retry.
	CallerIdentity(ctx context.Context, caller api.Credentials, region string) (string, error)
	// FederationToken is STS GetFederationToken for a federated user name.
	FederationToken(ctx context.Context, caller api.Credentials, region, name string, d time.Duration) (api.Credentials, error)
}

// iamRegion is the region IAM requests are signed for in a partition:
// IAM is global, with one endpoint per partition.
func iamRegion(partition string) string {
	switch partition {
	case "aws-cn":
		return "cn-north-1"
	case "aws-us-gov":
		return "us-gov-west-1"
	}
	return "us-east-1"
}

// SDKKeyAPI implements KeyAPI with aws-sdk-go-v2, routed like SDKSTS.
type SDKKeyAPI struct {
	Route func(awsnet.Service) (endpoint string, hc *http.Client, err error)
}

func (s *SDKKeyAPI) route(svc awsnet.Service) (string, *http.Client, error) {
	if s.Route == nil {
		return "", nil, nil
	}
	return s.Route(svc)
}

func staticCreds(c api.Credentials) aws.CredentialsProviderFunc {
	creds := aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey.Reveal(),
		SessionToken: c.SessionToken.Reveal(), Source: "spind"}
	return func(context.Context) (aws.Credentials, error) { return creds, nil }
}

func (s *SDKKeyAPI) iam(caller api.Credentials, partition string) (*iam.Client, error) {
	endpoint, hc, err := s.route(awsnet.IAM)
	if err != nil {
		return nil, err
	}
	o := iam.Options{
		Region:      iamRegion(partition),
		Credentials: staticCreds(caller),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 5
			o.MaxBackoff = 5 * time.Second
		}),
	}
	if hc != nil {
		o.HTTPClient = hc
	}
	if endpoint != "" {
		o.BaseEndpoint = aws.String(endpoint)
	}
	return iam.New(o), nil
}

func (s *SDKKeyAPI) sts(caller api.Credentials, region string, retries bool) (*sts.Client, error) {
	endpoint, hc, err := s.route(awsnet.STS)
	if err != nil {
		return nil, err
	}
	if region == "" {
		region = "us-east-1"
	}
	o := sts.Options{Region: region, Credentials: staticCreds(caller)}
	if retries {
		o.Retryer = retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = 5 * time.Second })
	} else {
		o.Retryer = aws.NopRetryer{}
	}
	if hc != nil {
		o.HTTPClient = hc
	}
	if endpoint != "" {
		o.BaseEndpoint = aws.String(endpoint)
	}
	return sts.New(o), nil
}

// ListAccessKeys implements KeyAPI.
func (s *SDKKeyAPI) ListAccessKeys(ctx context.Context, caller api.Credentials, partition string) ([]AccessKey, error) {
	c, err := s.iam(caller, partition)
	if err != nil {
		return nil, err
	}
	out, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
	if err != nil {
		return nil, err
	}
	keys := make([]AccessKey, 0, len(out.AccessKeyMetadata))
	for _, m := range out.AccessKeyMetadata {
		keys = append(keys, AccessKey{ID: aws.ToString(m.AccessKeyId), Active: m.Status == types.StatusTypeActive,
			Created: aws.ToTime(m.CreateDate)})
	}
	return keys, nil
}

// CreateAccessKey implements KeyAPI.
func (s *SDKKeyAPI) CreateAccessKey(ctx context.Context, caller api.Credentials, partition string) (AccessKey, error) {
	c, err := s.iam(caller, partition)
	if err != nil {
		return AccessKey{}, err
	}
	// One attempt: a retry after a lost answer would make a second key
	// whose secret nobody saw. A re-run of the rotation finds the first.
	out, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{}, func(o *iam.Options) {
		o.Retryer = retry.AddWithMaxAttempts(o.Retryer, 1)
	})
	if err != nil {
		return AccessKey{}, err
	}
	k := out.AccessKey
	if k == nil || aws.ToString(k.AccessKeyId) == "" || aws.ToString(k.SecretAccessKey) == "" {
		return AccessKey{}, errors.New("IAM answered CreateAccessKey without a key")
	}
	return AccessKey{ID: aws.ToString(k.AccessKeyId), Secret: secret.New(aws.ToString(k.SecretAccessKey)),
		Active: true, Created: aws.ToTime(k.CreateDate)}, nil
}

// DeleteAccessKey implements KeyAPI.
func (s *SDKKeyAPI) DeleteAccessKey(ctx context.Context, caller api.Credentials, partition, id string) error {
	c, err := s.iam(caller, partition)
	if err != nil {
		return err
	}
	_, err = c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(id)})
	return err
}

// SetAccessKeyActive implements KeyAPI.
func (s *SDKKeyAPI) SetAccessKeyActive(ctx context.Context, caller api.Credentials, partition, id string, active bool) error {
	c, err := s.iam(caller, partition)
	if err != nil {
		return err
	}
	status := types.StatusTypeInactive
	if active {
		status = types.StatusTypeActive
	}
	_, err = c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{AccessKeyId: aws.String(id), Status: status})
	return err
}

// CallerIdentity implements KeyAPI.
func (s *SDKKeyAPI) CallerIdentity(ctx context.Context, caller api.Credentials, region string) (string, error) {
	c, err := s.sts(caller, region, false)
	if err != nil {
		return "", err
	}
	out, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.Arn), nil
}

// FederationToken implements KeyAPI.
func (s *SDKKeyAPI) FederationToken(ctx context.Context, caller api.Credentials, region, name string, d time.Duration) (api.Credentials, error) {
	c, err := s.sts(caller, region, true)
	if err != nil {
		return api.Credentials{}, err
	}
	// A federated user without a session policy may do nothing. Its
	// rights are the intersection of the session policy and the IAM
	// user's own, so allowing everything here means "what the user may",
	// which is what the console should show (aws-vault does the same).
	out, err := c.GetFederationToken(ctx, &sts.GetFederationTokenInput{
		Name:            aws.String(name),
		DurationSeconds: aws.Int32(int32(d / time.Second)),
		Policy:          aws.String(allowAllPolicy),
	})
	if err != nil {
		return api.Credentials{}, err
	}
	return fromSDK(out.Credentials)
}

const allowAllPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
