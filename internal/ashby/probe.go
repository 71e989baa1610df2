package ashby

import "context"

// Probe sends one request to method with params (nil sends {}) and reports
// only whether Ashby answered it: nil on success, else the *APIError (an
// auth failure, missing_endpoint_permission, or the method's own error such
// as a *_not_found for a made-up id) or a transport error. Transient
// failures are retried like any read; results are discarded. It is for
// `aaa doctor`, which checks that the key may call every method aaa uses:
// call it only with read methods.
func (c *Client) Probe(ctx context.Context, method string, params map[string]any) error {
	if params == nil {
		params = map[string]any{}
	}
	_, err := c.call(ctx, method, params, nil)
	return err
}

// IsMissingPermission reports whether err is Ashby refusing a method the
// API key has no permission for (missing_endpoint_permission).
func IsMissingPermission(err error) bool {
	ae, ok := apiErrorCode(err)
	return ok && ae.Code == CodeMissingEndpointPermission
}
