package model

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// MaxTaskDurationSetting is the job setting that bounds how long one task of
// the job may run, whatever its worker reports: the limit for processes that
// truly hang while their worker stays alive.
const MaxTaskDurationSetting = "max_task_duration"

// MaxTaskDuration returns the job's hard limit for one task, read from its
// max_task_duration setting: a Go duration ("2h30m", "90s") or a number of
// seconds. It returns 0 when the setting is absent, empty or 0 (no limit), and
// an error naming the value when it is neither, or negative.
func (j *Job) MaxTaskDuration() (time.Duration, error) {
	v, ok := j.Settings[MaxTaskDurationSetting]
	if !ok || v == nil {
		return 0, nil
	}
	var d time.Duration
	switch v := v.(type) {
	case float64:
		if !finiteSeconds(v) {
			return 0, fmt.Errorf("%s %v is not a number of seconds up to a year", MaxTaskDurationSetting, v)
		}
		d = time.Duration(v * float64(time.Second))
	case int:
		if !finiteSeconds(float64(v)) {
			return 0, fmt.Errorf("%s %v is not a number of seconds up to a year", MaxTaskDurationSetting, v)
		}
		d = time.Duration(v) * time.Second
	case string:
		s := strings.TrimSpace(v)
		if s == "" {
			return 0, nil
		}
		if secs, err := strconv.ParseFloat(s, 64); err == nil {
			if !finiteSeconds(secs) {
				return 0, fmt.Errorf("%s %q is not a number of seconds up to a year", MaxTaskDurationSetting, s)
			}
			d = time.Duration(secs * float64(time.Second))
			break
		}
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("%s %q is not a duration: use forms like 90s, 45m or 2h30m", MaxTaskDurationSetting, s)
		}
	default:
		return 0, fmt.Errorf("%s must be a duration such as 2h30m or a number of seconds, not %v", MaxTaskDurationSetting, v)
	}
	if d < 0 || d > maxTaskDurationLimit {
		return 0, fmt.Errorf("%s must be between 0 and a year, not %v", MaxTaskDurationSetting, v)
	}
	return d, nil
}

// maxTaskDurationLimit bounds max_task_duration: anything longer is a typo, and
// far longer would overflow a time.Duration.
const maxTaskDurationLimit = 365 * 24 * time.Hour

// finiteSeconds reports whether secs is a number of seconds that converts to
// a time.Duration within the limit (NaN and infinities do not); negative
// values are left to the caller's sign check.
func finiteSeconds(secs float64) bool {
	return !math.IsNaN(secs) && !math.IsInf(secs, 0) && secs <= maxTaskDurationLimit.Seconds()
}
