package broker

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/secret"
)

// WebIdentityInput is one AssumeRoleWithWebIdentity call.
type WebIdentityInput struct {
	Region      string
	RoleARN     string
	SessionName string
	Token       secret.String
	Duration    time.Duration
}

// WebIdentitySTS is the unsigned part of STS a web_identity source uses:
// the token is the credential, so no key is involved.
type WebIdentitySTS interface {
	AssumeRoleWithWebIdentity(ctx context.Context, in WebIdentityInput) (api.Credentials, error)
}

// AssumeRoleWithWebIdentity implements WebIdentitySTS.
func (s *SDKSTS) AssumeRoleWithWebIdentity(ctx context.Context, in WebIdentityInput) (api.Credentials, error) {
	c, err := s.client(api.Credentials{}, in.Region)
	if err != nil {
		return api.Credentials{}, err
	}
	out, err := c.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn:          aws.String(in.RoleARN),
		RoleSessionName:  aws.String(in.SessionName),
		WebIdentityToken: aws.String(in.Token.Reveal()),
		DurationSeconds:  aws.Int32(int32(in.Duration / time.Second)),
	}, func(o *sts.Options) { o.Credentials = aws.AnonymousCredentials{} })
	if err != nil {
		return api.Credentials{}, err
	}
	creds, err := fromSDK(out.Credentials)
	if out.AssumedRoleUser != nil {
		creds.AccountID = accountOf(aws.ToString(out.AssumedRoleUser.Arn))
	}
	return creds, err
}
