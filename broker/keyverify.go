package broker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/smithy-go"

	"github.com/cloudspin/spin/broker/api"
	"github.com/cloudspin/spin/internal/secret"
)

// handleVerifyKey answers POST /v1/keys/{name}/verify: one STS
// GetCallerIdentity with the key set's long-term keys, under spind's AWS
// timeout, so 'spin doctor' finds a wrong secret or an access key deleted
// in IAM before a profile does.
func (b *Broker) handleVerifyKey(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	b.lockIfIdle()
	b.touch()
	conf, aerr := b.config()
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	ks, aerr := b.keySet(r.Context(), conf, name, "")
	if aerr != nil {
		if aerr.Code == api.CodeKeySetMissing {
			aerr = errorf(api.CodeKeySetMissing, "run 'spin keys add "+name+"'", "key set %s is not in the %s keyring", name, b.backend)
		}
		writeError(w, aerr)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), b.cfg.AWSTimeout+5*time.Second)
	defer cancel()
	masked := secret.MaskKeyID(ks.AccessKeyID)
	arn, err := b.cfg.KeyAPI.CallerIdentity(ctx, api.Credentials{AccessKeyID: ks.AccessKeyID, SecretAccessKey: ks.SecretAccessKey}, conf.Defaults.Region)
	if err != nil {
		b.log.Warn("key set check failed", "key_set", name, "access_key_id", masked, "err", stsMessage(err))
		writeError(w, verifyError(err, name, masked))
		return
	}
	writeJSON(w, http.StatusOK, api.KeyVerify{Name: name, AccessKeyID: masked, ARN: arn})
}

// verifyError says what STS's refusal of a key set means and the command
// that fixes it.
func verifyError(err error, name, masked string) *api.Error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "SignatureDoesNotMatch":
			if !strings.Contains(strings.ToLower(ae.ErrorMessage()), "expired") {
				return errorf(api.CodeSTSFailed, fmt.Sprintf("spin keys add %s --force, with the secret that belongs to %s", name, masked),
					"STS refused the secret of %s (SignatureDoesNotMatch): the key set holds a wrong secret access key", masked)
			}
		case "InvalidClientTokenId":
			return errorf(api.CodeSTSFailed, fmt.Sprintf("create a new access key for the user in IAM, then spin keys add %s --force", name),
				"STS does not know %s (InvalidClientTokenId): the access key was deleted in IAM or is not active", masked)
		}
	}
	code := api.CodeSTSFailed
	if !errors.As(err, &ae) {
		code = api.CodeAWSUnreachable // no answer from STS says nothing about the keys
	}
	return errorf(code, stsHint(err, name, ""), "GetCallerIdentity with %s: %s", masked, stsMessage(err))
}
