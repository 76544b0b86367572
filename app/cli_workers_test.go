package app

import (
	"testing"
	"time"

	"farmhand/farm/availability"
	"farmhand/farm/model"
)

// TestAvailableText: farmhand workers says which availability rule holds
// and until when (found missing by a fresh-eyes try).
func TestAvailableText(t *testing.T) {
	now := time.Date(2026, 12, 1, 3, 38, 0, 0, time.Local)
	for _, c := range []struct {
		w    model.Worker
		want string
	}{
		{model.Worker{Status: model.WorkerAwake}, "-"},
		{model.Worker{Status: model.WorkerOffline, Availability: &availability.Decision{Available: true}}, "-"},
		{model.Worker{Status: model.WorkerAwake, Availability: &availability.Decision{Available: true, Rule: "always"}}, "yes"},
		{model.Worker{Status: model.WorkerAwake, Availability: &availability.Decision{Rule: "schedule",
			Until: now.Add(5*time.Hour + 22*time.Minute)}}, "no: schedule until 09:00"},
		{model.Worker{Status: model.WorkerAwake, Availability: &availability.Decision{Available: true, Rule: "override",
			Until: now.Add(30 * time.Hour)}}, "yes until Wed 09:38"},
	} {
		if got := availableText(&c.w, now); got != c.want {
			t.Errorf("%+v: %q, want %q", c.w.Availability, got, c.want)
		}
	}
}
