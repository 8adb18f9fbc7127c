package client

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"

	"github.com/cloudspin/spin/broker/api"
)

// RotateKey has spind replace a key set's access key with a new one, or
// finish a rotation an earlier run began.
func (c *Client) RotateKey(ctx context.Context, name string, req api.RotateRequest) (api.RotateResult, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return api.RotateResult{}, err
	}
	var res api.RotateResult
	err = c.do(ctx, http.MethodPost, api.PathKeys+"/"+url.PathEscape(name)+api.RotateSuffix, bytes.NewReader(body), &res)
	return res, err
}

// VerifyKey has spind check a key set's keys with STS GetCallerIdentity.
func (c *Client) VerifyKey(ctx context.Context, name string) (api.KeyVerify, error) {
	var res api.KeyVerify
	err := c.do(ctx, http.MethodPost, api.PathKeys+"/"+url.PathEscape(name)+api.VerifySuffix, nil, &res)
	return res, err
}

// Console asks spind for an AWS console sign-in URL for profile.
func (c *Client) Console(ctx context.Context, profile string, req api.ConsoleRequest) (api.ConsoleURL, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return api.ConsoleURL{}, err
	}
	var out api.ConsoleURL
	err = c.do(ctx, http.MethodPost, api.PathConsole+url.PathEscape(profile), bytes.NewReader(body), func(r io.Reader) error {
		var err error
		out, err = api.DecodeConsoleURL(r)
		return err
	})
	return out, err
}
