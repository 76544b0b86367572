package api

import (
	"fmt"
	"net"
	"net/http"

	"github.com/go-chi/chi/v5"

	"farmhand/farm/api/wire"
	"farmhand/farm/manager"
	"farmhand/farm/model"
	"farmhand/farm/trust"
)

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) join(w http.ResponseWriter, r *http.Request) {
	var req wire.JoinRequest
	if err := readJSON(w, r, maxBody, &req); err != nil {
		writeError(w, s.log, err)
		return
	}
	m, token, err := s.m.Join(manager.JoinRequest{Name: req.Name, Platform: req.Platform, Address: remoteHost(r),
		Wants: req.Wants, Code: req.JoinCode})
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	writeJSON(w, http.StatusCreated, wire.Joined{Member: m, Token: token})
}

func (s *Server) joinStatus(w http.ResponseWriter, r *http.Request) {
	token, ok := bearer(r)
	if !ok {
		writeError(w, s.log, fmt.Errorf("%w: send the token the join request returned", manager.ErrUnauthorized))
		return
	}
	m, err := s.m.JoinStatus(token)
	if err != nil {
		writeError(w, s.log, fmt.Errorf("%w: unknown token", manager.ErrUnauthorized))
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, caller(r))
}

func (s *Server) listMembers(w http.ResponseWriter, r *http.Request) {
	status := model.MemberStatus(r.URL.Query().Get("status"))
	switch status {
	case "", model.MemberPending, model.MemberApproved, model.MemberRejected, model.MemberRevoked:
	default:
		writeError(w, s.log, fmt.Errorf("%w: unknown member status %q", manager.ErrInvalid, status))
		return
	}
	ms, err := s.m.Members(status)
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	if ms == nil {
		ms = []*model.Member{}
	}
	writeJSON(w, http.StatusOK, wire.MemberList{Members: ms})
}

func (s *Server) approveMember(w http.ResponseWriter, r *http.Request) {
	var req wire.ApproveRequest
	if err := readJSON(w, r, maxBody, &req); err != nil {
		writeError(w, s.log, err)
		return
	}
	m, err := s.m.ApproveBy(actor(r), chi.URLParam(r, "member_id"), req.Role)
	s.answer(w, http.StatusOK, m, err)
}

func (s *Server) rejectMember(w http.ResponseWriter, r *http.Request) {
	m, err := s.m.RejectBy(actor(r), chi.URLParam(r, "member_id"))
	s.answer(w, http.StatusOK, m, err)
}

func (s *Server) revokeMember(w http.ResponseWriter, r *http.Request) {
	m, err := s.m.RevokeBy(actor(r), chi.URLParam(r, "member_id"))
	s.answer(w, http.StatusOK, m, err)
}

// answer sends v with status, or err's answer (writeError) when err is not
// nil: the ending of every handler that returns what the manager gave it.
func (s *Server) answer(w http.ResponseWriter, status int, v any, err error) {
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	writeJSON(w, status, v)
}

func (s *Server) getJoinCode(w http.ResponseWriter, r *http.Request) {
	code, err := s.m.JoinCode()
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.JoinCode{Code: trust.JoinCode(code, s.fingerprint), Fingerprint: string(s.fingerprint)})
}

func (s *Server) newJoinCode(w http.ResponseWriter, r *http.Request) {
	code, err := s.m.NewJoinCodeBy(actor(r))
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.JoinCode{Code: trust.JoinCode(code, s.fingerprint), Fingerprint: string(s.fingerprint)})
}
