package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"farmhand/farm/api/wire"
	"farmhand/farm/manager"
	"farmhand/farm/model"
)

// Every route but a few public ones needs a member's token; each route names
// the least role that may use it (see New, and x-roles in openapi.yaml).

type callerKey struct{}

// caller returns the member making the request; routes behind require have one.
func caller(r *http.Request) *model.Member {
	m, _ := r.Context().Value(callerKey{}).(*model.Member)
	return m
}

// require lets a request through only with the token of an approved member of
// at least the given role.
func (s *Server) require(role model.Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token, ok := bearer(r)
			if !ok {
				writeError(w, s.log, fmt.Errorf("%w: send a member's token as \"Authorization: Bearer <token>\" (join the farm with 'farmhand join')", manager.ErrUnauthorized))
				return
			}
			m, err := s.m.Authenticate(token)
			if err != nil {
				// The same answer for unknown, pending, rejected and revoked
				// tokens: it must not tell which exist.
				writeError(w, s.log, fmt.Errorf("%w: unknown or revoked token", manager.ErrUnauthorized))
				return
			}
			if !m.Role.AtLeast(role) {
				writeError(w, s.log, fmt.Errorf("%w: this needs the %s role; %s has %s", manager.ErrForbidden, role, m.Name, m.Role))
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, m)))
		})
	}
}

// ownWorker lets a member use the worker routes for its own worker only.
func (s *Server) ownWorker(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if caller(r).ID != chi.URLParam(r, "worker_id") {
			writeError(w, s.log, fmt.Errorf("%w: a member may only act as its own worker", manager.ErrForbidden))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// actor is the caller as the manager's actions see it: artists may act on
// the jobs they submitted only, admins on all (checked in the action's
// transaction, see manager.Actor); the audit log names the member and the
// address the request came from.
func actor(r *http.Request) manager.Actor {
	c := caller(r)
	return manager.Actor{MemberID: c.ID, Admin: c.Role.AtLeast(model.RoleAdmin), Name: c.Name, Role: c.Role,
		Address: remoteHost(r)}
}

// APIVersionHeader is wire.APIVersionHeader, for tests of this package.
const APIVersionHeader = wire.APIVersionHeader
