package client

// The farm's members: joining, the join code, and admins' decisions.

import (
	"context"
	"net/http"
	"net/url"

	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// Join asks to become a member of the farm. The token it returns works once an
// admin approves the member (at once with the farm's join code, for workers).
func (c *Client) Join(ctx context.Context, req wire.JoinRequest) (*wire.Joined, error) {
	var v wire.Joined
	_, err := c.do(ctx, http.MethodPost, "/api/v1/join", req, &v)
	return &v, err
}

// JoinStatus says where the join request of this client's token stands.
func (c *Client) JoinStatus(ctx context.Context) (*model.Member, error) {
	var v model.Member
	_, err := c.do(ctx, http.MethodGet, "/api/v1/join", nil, &v)
	return &v, err
}

// Whoami returns the member this client's token belongs to.
func (c *Client) Whoami(ctx context.Context) (*model.Member, error) {
	var v model.Member
	_, err := c.do(ctx, http.MethodGet, "/api/v1/whoami", nil, &v)
	return &v, err
}

// Members lists the farm's members, optionally in one status ("pending").
func (c *Client) Members(ctx context.Context, status model.MemberStatus) ([]*model.Member, error) {
	path := "/api/v1/members"
	if status != "" {
		path += "?status=" + url.QueryEscape(string(status))
	}
	var v wire.MemberList
	_, err := c.do(ctx, http.MethodGet, path, nil, &v)
	return v.Members, err
}

// Approve lets a member in with a role.
func (c *Client) Approve(ctx context.Context, id string, role model.Role) (*model.Member, error) {
	var v model.Member
	_, err := c.do(ctx, http.MethodPost, "/api/v1/members/"+url.PathEscape(id)+"/approve", wire.ApproveRequest{Role: role}, &v)
	return &v, err
}

// Reject turns a join request down.
func (c *Client) Reject(ctx context.Context, id string) (*model.Member, error) {
	var v model.Member
	_, err := c.do(ctx, http.MethodPost, "/api/v1/members/"+url.PathEscape(id)+"/reject", nil, &v)
	return &v, err
}

// Revoke takes a member's access away.
func (c *Client) Revoke(ctx context.Context, id string) (*model.Member, error) {
	var v model.Member
	_, err := c.do(ctx, http.MethodPost, "/api/v1/members/"+url.PathEscape(id)+"/revoke", nil, &v)
	return &v, err
}

// JoinCode returns the farm's join code; with renew, a new one replacing it.
func (c *Client) JoinCode(ctx context.Context, renew bool) (string, error) {
	v, err := c.JoinCodeInfo(ctx, renew)
	if err != nil {
		return "", err
	}
	return v.Code, nil
}

// JoinCodeInfo returns the join code with the manager's whole certificate
// fingerprint; renew replaces the code first (admins only).
func (c *Client) JoinCodeInfo(ctx context.Context, renew bool) (*wire.JoinCode, error) {
	method := http.MethodGet
	if renew {
		method = http.MethodPost
	}
	var v wire.JoinCode
	_, err := c.do(ctx, method, "/api/v1/joincode", nil, &v)
	return &v, err
}
