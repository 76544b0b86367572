package api

import (
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"farmhand/farm/api/wire"
	"farmhand/farm/manager"
	"farmhand/farm/model"
)

// badSetting is a request the settings routes refuse before the manager
// sees it: a 400 whose message names the field.
type badSetting struct{ err error }

func (e badSetting) Error() string { return "invalid setting: " + e.err.Error() }
func (e badSetting) Unwrap() error { return manager.ErrInvalid }

// config is the settings in effect as the API shows them.
func (s *Server) config() wire.FarmConfig {
	c := wire.NewFarmConfig(s.m.Settings())
	c.Fingerprint = string(s.fingerprint)
	c.DataDir = s.m.Config().DataDir
	c.ScriptsDir = s.m.ScriptsDir()
	c.Overridden = s.m.Overridden()
	return c
}

func (s *Server) getConfig(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.config())
}

func (s *Server) updateConfig(w http.ResponseWriter, r *http.Request) {
	var u wire.ConfigUpdate
	if err := readJSON(w, r, maxBody, &u); err != nil {
		writeError(w, s.log, err)
		return
	}
	p, err := u.Patch()
	if err != nil {
		writeError(w, s.log, badSetting{err})
		return
	}
	if _, err := s.m.UpdateSettingsBy(actor(r), p); err != nil {
		writeError(w, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, s.config())
}

func (s *Server) listVariables(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, wire.VariableList{Variables: s.m.Variables()})
}

func (s *Server) getVariable(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "name")
	v, ok := s.m.Settings().Variable(name)
	if !ok {
		writeError(w, s.log, fmt.Errorf("variable %q: %w", name, manager.ErrNotFound))
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) putVariable(w http.ResponseWriter, r *http.Request) {
	var c wire.VariableChange
	if err := readJSON(w, r, maxBody, &c); err != nil {
		writeError(w, s.log, err)
		return
	}
	name := chi.URLParam(r, "name")
	set, err := s.m.PutVariableBy(actor(r), model.Variable{Name: name, Storage: c.Storage, Values: c.Values})
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	v, _ := set.Variable(name)
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) deleteVariable(w http.ResponseWriter, r *http.Request) {
	if _, err := s.m.DeleteVariableBy(actor(r), chi.URLParam(r, "name")); err != nil {
		writeError(w, s.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
