package client

import (
	"context"
	"net/http"
	"net/url"

	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// UpdateConfig changes the farm's settings given in u (admins) and returns
// the settings now in effect. A refused change is an *Error with status 400
// whose message names the field and the rule.
func (c *Client) UpdateConfig(ctx context.Context, u wire.ConfigUpdate) (*wire.FarmConfig, error) {
	var v wire.FarmConfig
	_, err := c.do(ctx, http.MethodPut, "/api/v1/config", u, &v)
	return &v, err
}

// Variables lists the path variables, storage locations among them, by name.
func (c *Client) Variables(ctx context.Context) ([]model.Variable, error) {
	var list wire.VariableList
	_, err := c.do(ctx, http.MethodGet, "/api/v1/variables", nil, &list)
	return list.Variables, err
}

// Variable returns the path variable named name (404 when there is none).
func (c *Client) Variable(ctx context.Context, name string) (*model.Variable, error) {
	var v model.Variable
	_, err := c.do(ctx, http.MethodGet, "/api/v1/variables/"+url.PathEscape(name), nil, &v)
	return &v, err
}

// PutVariable adds the path variable name, or replaces its values (admins).
func (c *Client) PutVariable(ctx context.Context, name string, change wire.VariableChange) (*model.Variable, error) {
	var v model.Variable
	_, err := c.do(ctx, http.MethodPut, "/api/v1/variables/"+url.PathEscape(name), change, &v)
	return &v, err
}

// DeleteVariable deletes the path variable name (admins; 404 when there is
// none).
func (c *Client) DeleteVariable(ctx context.Context, name string) error {
	_, err := c.do(ctx, http.MethodDelete, "/api/v1/variables/"+url.PathEscape(name), nil, nil)
	return err
}
