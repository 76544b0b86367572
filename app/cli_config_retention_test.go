package app

import (
	"context"
	"strings"
	"testing"
	"time"
)

// 'farmhand config set delete-jobs-after 2160h' has the manager delete jobs
// that ended 90 days ago; 'farmhand config' shows it (0s, keep them, by
// default), and a span under an hour is refused naming the command line's key.
func TestConfigSetDeleteJobsAfter(t *testing.T) {
	f := newAPIFarm(t)
	e, out := backupEnv()
	if err := runConfig(e, f.flags(t)); err != nil || !strings.Contains(out.String(), "delete-jobs-after") {
		t.Fatalf("config: %v\n%s", err, out)
	}
	e, out = backupEnv()
	if err := runConfig(e, append([]string{"set", "delete-jobs-after", "2160h"}, f.flags(t)...)); err != nil ||
		!strings.Contains(out.String(), "delete-jobs-after: 0s → 2160h0m0s") {
		t.Fatalf("config set delete-jobs-after 2160h: %v\n%s", err, out)
	}
	if s := f.m.Settings(); s.DeleteJobsAfter.D() != 90*24*time.Hour {
		t.Errorf("the manager keeps ended jobs for %s", s.DeleteJobsAfter)
	}
	e, _ = backupEnv()
	err := runConfig(e, append([]string{"set", "delete-jobs-after", "10m"}, f.flags(t)...))
	if err == nil || !strings.Contains(err.Error(), "delete-jobs-after: must be 0 (keep jobs) or between 1h0m0s") {
		t.Errorf("config set delete-jobs-after 10m: %v", err)
	}
	if c, err := f.cl.Config(context.Background()); err != nil || c.DeleteJobsAfter != "2160h0m0s" {
		t.Errorf("the API says %q, %v", c.DeleteJobsAfter, err)
	}
}
