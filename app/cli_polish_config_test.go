package app

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Every 'config set' mistake names the command line's key, says what it
// takes and is a usage error (exit 2), whether the command line or the
// manager finds it (cli-polish item 4).
func TestConfigSetErrorsNameTheKey(t *testing.T) {
	f := newAPIFarm(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"upload-timeout", "2d"}, `upload-timeout: "2d" is not a duration: write days in hours (2 days is 48h)`},
		{[]string{"task-timeout", "soon"}, `task-timeout: "soon" is not a duration: use forms like 90s, 15m or 2h30m`},
		{[]string{"task-timeout", "100000000h"}, `task-timeout: "100000000h" is too long: at most 8760h (365 days)`},
		{[]string{"task-timeout", "9000h"}, `task-timeout: "9000h" is too long: at most 8760h`},
		{[]string{"forget-workers-after", "100000h"}, `forget-workers-after: "100000h" is too long: at most 87600h (3650 days)`},
		{[]string{"task-timeout", "1s"}, `task-timeout: "1s" is too short: at least 30s (a worker reports on its running task every second`},
		{[]string{"task-timeout", "-5m"}, `task-timeout: "-5m" is negative`},
		{[]string{"worker-timeout", "0s"}, `worker-timeout: must be between 1s and`},
		{[]string{"upload-timeout", "30s"}, `upload-timeout: must be 0 (the default, 24h0m0s) or between 1m0s and`},
		{[]string{"max-task-failures", "0"}, `max-task-failures: must be a whole number from 1 to 1000, not 0`},
		{[]string{"max-task-failures", "two"}, `max-task-failures: "two" is not a whole number; give one from 1 to 1000`},
		// ParseFloat takes these, JSON cannot carry them (fresh-eyes try: "json: unsupported value: NaN").
		{[]string{"fail-threshold", "NaN"}, `fail-threshold: "NaN" is not a number; give a share above 0 and at most 1, such as 0.1`},
		{[]string{"fail-threshold", "+Inf"}, `fail-threshold: "+Inf" is not a number`},
		{[]string{"max-job-size", "5GB", "max-job-size", "6GB"}, `max-job-size is given twice`},
		{[]string{"max-job-size", "5GB", "max_job_size", "6GB"}, `max-job-size is given twice`},
		{[]string{"max-job-size", "2Mb"}, `max-job-size: size "2Mb": b is bits; write B for bytes`},
		{[]string{"max-file-size", "0MB", "max-job-size", "1kB"}, `max-job-size: size "1kB" is 1000 bytes, below 1 MiB (1048576 bytes); 0 means the farm's default`},
		{[]string{"max-file-size", "9223372036854775807B"}, `max-file-size: size "9223372036854775807B" is too large: at most 1 PiB`},
	} {
		_, err := cliRun(t, f, "config", append([]string{"set"}, c.args...)...)
		if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "_") {
			t.Errorf("config set %s: %v\nwant a usage error with …%s…", strings.Join(c.args, " "), err, c.want)
		}
	}
	if s := f.m.Settings(); s.TaskTimeout.D() != 10*time.Minute || s.MaxJobSize != 0 {
		t.Errorf("refused settings changed the farm: %+v", s)
	}
	out, err := cliRun(t, f, "config", "set", "task-timeout", "30s", "upload-timeout", "48h", "max-file-size", "0MB")
	if err != nil || !strings.Contains(out, "task-timeout: 10m0s → 30s") || !strings.Contains(out, "upload-timeout: 24h0m0s → 48h0m0s") {
		t.Errorf("config set in bounds: %v\n%s", err, out)
	}
}

// A per-file upload limit above the per-job one is kept but warned about:
// no file that large could be sent.
func TestConfigWarnsFileLimitAboveJobLimit(t *testing.T) {
	f := newAPIFarm(t)
	out, err := cliRun(t, f, "config", "set", "max-file-size", "2TB", "max-job-size", "1MiB")
	want := "warning: max-file-size (1.82 TiB (2000000000000 bytes)) is larger than max-job-size (1 MiB): " +
		"no upload job may send a file larger than 1 MiB."
	if err != nil || !strings.Contains(out, want) {
		t.Errorf("config set max-file-size 2TB max-job-size 1MiB: %v\n%s\nwant …%s…", err, out, want)
	}
	out, err = cliRun(t, f, "config", "set", "max-job-size", "4TiB")
	if err != nil || strings.Contains(out, "warning") {
		t.Errorf("with the job limit above the file limit: %v\n%s", err, out)
	}
}
