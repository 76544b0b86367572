package model

import (
	"fmt"
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
		d = time.Duration(v * float64(time.Second))
	case int:
		d = time.Duration(v) * time.Second
	case string:
		s := strings.TrimSpace(v)
		if s == "" {
			return 0, nil
		}
		if secs, err := strconv.ParseFloat(s, 64); err == nil {
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
	if d < 0 {
		return 0, fmt.Errorf("%s cannot be negative (%v)", MaxTaskDurationSetting, v)
	}
	return d, nil
}
