package worker

import (
	"context"
	"testing"
)

// echo and exec read their parameters with the same helpers as every other
// command, so they refuse what the others refuse, in the same words.
func TestEchoAndExecParameters(t *testing.T) {
	var rec recorder
	if err := echoCommand(context.Background(), rec.env(Tools{}), map[string]any{"message": ""}); err != nil {
		t.Errorf("an empty message: %v", err)
	}
	if got := rec.log(); got != "" {
		t.Errorf("an empty message logged %q", got)
	}
	wantError(t, run(t, echoCommand, map[string]any{"message": 7.0}), "parameter message must be a string, not float64")
	wantError(t, run(t, execCommand, map[string]any{}), "parameter exe is required")
	wantError(t, run(t, execCommand, map[string]any{"exe": ""}), "parameter exe must not be empty")
	wantError(t, run(t, execCommand, map[string]any{"exe": "true", "args": "-x"}), "parameter args must be a list of strings, not string")
	wantError(t, run(t, execCommand, map[string]any{"exe": "true", "args": []any{"a", 1.0}}), "parameter args[1] must be a string, not float64")
	if err := run(t, execCommand, map[string]any{"exe": "true", "args": []any{"a"}}); err != nil {
		t.Errorf("exec true a: %v", err)
	}
}
