package client

import (
	"bytes"
	"context"
	"encoding/json"
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
