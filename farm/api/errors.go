package api

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"farmhand/farm/api/wire"
	"farmhand/farm/manager"
	"farmhand/farm/model"
)

// statusOf maps the farm's error kinds (manager/errors.go, where each says
// its status) to HTTP statuses, first match first.
var statusOf = []struct {
	kind   error
	status int
}{
	{manager.ErrInvalid, http.StatusBadRequest},
	{manager.ErrUnauthorized, http.StatusUnauthorized},
	{manager.ErrForbidden, http.StatusForbidden},
	{manager.ErrNotFound, http.StatusNotFound},
	{manager.ErrNotYours, http.StatusConflict},
	{manager.ErrNotAwake, http.StatusConflict},
	{manager.ErrStaleEtag, http.StatusPreconditionFailed},
	{manager.ErrTooLarge, http.StatusRequestEntityTooLarge},
	{manager.ErrTooMany, http.StatusTooManyRequests},
	{manager.ErrClosed, http.StatusServiceUnavailable},
}

// retrier is an error that says how long to wait before retrying.
type retrier interface{ RetrySeconds() int }

// writeError answers err with the status its kind calls for and the error's
// message. An error of no known kind is the manager's fault: it is logged
// with an id, and the client gets only that id, never internal text (paths,
// database errors) in its own words.
func writeError(w http.ResponseWriter, log *slog.Logger, err error) {
	body := wire.Error{Message: err.Error()}
	if ae := (*model.ActionError)(nil); errors.As(err, &ae) {
		body.AllowedActions = ae.Allowed
		if body.AllowedActions == nil {
			body.AllowedActions = []string{}
		}
		writeJSON(w, http.StatusConflict, body)
		return
	}
	if r := retrier(nil); errors.As(err, &r) {
		w.Header().Set("Retry-After", strconv.Itoa(r.RetrySeconds()))
	}
	for _, k := range statusOf {
		if errors.Is(err, k.kind) {
			writeJSON(w, k.status, body)
			return
		}
	}
	id := errorID()
	log.Error("internal error", "id", id, "err", err)
	writeJSON(w, http.StatusInternalServerError, wire.Error{
		Message: "internal error " + id + ": the manager's log says more (search it for this id)"})
}

func errorID() string {
	b := make([]byte, 4)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}
