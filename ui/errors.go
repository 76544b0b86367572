package ui

import (
	"context"
	"errors"
	"net"
	"strings"

	"farmhand/farm/api/client"
)

// explain turns an API error into a sentence for an artist: the manager's own
// message when it answered, what to check when it did not.
func explain(err error, manager string) string {
	var apiErr *client.Error
	switch {
	case errors.As(err, &apiErr):
		msg := apiErr.Message
		if msg == "" {
			msg = apiErr.Error()
		}
		return msg
	case errors.Is(err, context.DeadlineExceeded):
		return "the farm's manager at " + manager + " did not answer in time"
	case errors.Is(err, context.Canceled):
		return "Farmhand is closing"
	}
	var netErr net.Error
	var opErr *net.OpError
	if errors.As(err, &opErr) || errors.As(err, &netErr) || strings.Contains(err.Error(), "connection refused") {
		return "cannot reach the farm's manager at " + manager + " (is it running, and is this computer on the studio network?)"
	}
	return err.Error()
}
