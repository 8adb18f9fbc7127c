package client

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/cloudspin/spin/broker/api"
)

// StartSignin starts a source's sign-in (or joins the device sign-in in
// progress) and returns what to show or open.
func (c *Client) StartSignin(ctx context.Context, source string, in api.SigninStart) (api.SigninFlow, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return api.SigninFlow{}, err
	}
	var out api.SigninFlow
	err = c.do(ctx, http.MethodPost, api.PathSignin+url.PathEscape(source), bytes.NewReader(body), &out)
	return out, err
}

// WaitSignin waits until the device sign-in in progress ends.
func (c *Client) WaitSignin(ctx context.Context, source string) error {
	return c.do(ctx, http.MethodPost, api.PathSignin+url.PathEscape(source)+"/wait", nil, nil)
}

// CompleteSignin hands spind the code and state the browser brought back.
func (c *Client) CompleteSignin(ctx context.Context, source string, in api.SigninComplete) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, api.PathSignin+url.PathEscape(source)+"/complete", bytes.NewReader(body), nil)
}

// Signout forgets a source's tokens (and ends the sign-in at AWS).
func (c *Client) Signout(ctx context.Context, source string) error {
	return c.do(ctx, http.MethodDelete, api.PathSignin+url.PathEscape(source), nil, nil)
}

// SSOAccounts lists the accounts and roles of an sso source's user.
func (c *Client) SSOAccounts(ctx context.Context, source string) ([]api.SSOAccount, error) {
	var out []api.SSOAccount
	err := c.do(ctx, http.MethodGet, api.PathSignin+url.PathEscape(source)+"/accounts", nil, &out)
	return out, err
}

// ImportSignin hands spind a login session from the AWS CLI's cache.
func (c *Client) ImportSignin(ctx context.Context, source string, in api.SigninImport) (api.SigninImported, error) {
	var out api.SigninImported
	body, err := json.Marshal(in)
	if err != nil {
		return out, err
	}
	err = c.do(ctx, http.MethodPost, api.PathSignin+url.PathEscape(source)+"/import", bytes.NewReader(body), &out)
	return out, err
}
