package worker

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// maxFrames bounds the frames one range may name, as the manager's job types
// do (jobtype.MaxFrames), so a typo cannot make a list of a billion frames.
const maxFrames = 1_000_000

// parseFrames reads a frame range into its sorted, distinct frames. It takes
// both Flamenco's job syntax ("1-10", "1-10x2", "1-10:2", "1,3,5-9") and
// Blender's --render-frame syntax ("1..10", "1,3,5"), frames being whole
// numbers from 0. The error names the range. The worker parses ranges itself
// rather than importing the manager's job-type package (and its JavaScript
// engine); the two accept the same forms.
func parseFrames(spec string) ([]int, error) {
	var frames []int
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		first, last, step, err := parseFrameItem(item)
		if err != nil {
			return nil, fmt.Errorf("frame range %q: %w", spec, err)
		}
		if len(frames)+(last-first)/step+1 > maxFrames {
			return nil, fmt.Errorf("frame range %q names more than %d frames", spec, maxFrames)
		}
		for f := first; f <= last; f += step {
			frames = append(frames, f)
		}
	}
	slices.Sort(frames)
	return slices.Compact(frames), nil
}

func parseFrameItem(item string) (first, last, step int, err error) {
	step = 1
	if r, s, ok := strings.Cut(item, "x"); ok {
		item = r
		if step, err = strconv.Atoi(s); err != nil || step < 1 {
			return 0, 0, 0, fmt.Errorf("step %q is not a whole number of 1 or more", s)
		}
	} else if r, s, ok := strings.Cut(item, ":"); ok {
		item = r
		if step, err = strconv.Atoi(s); err != nil || step < 1 {
			return 0, 0, 0, fmt.Errorf("step %q is not a whole number of 1 or more", s)
		}
	}
	a, b, isRange := strings.Cut(item, "..")
	if !isRange {
		a, b, isRange = strings.Cut(item, "-")
	}
	if !isRange {
		b = a
	}
	first, err1 := strconv.Atoi(a)
	last, err2 := strconv.Atoi(b)
	// Atoi takes signs; a range of frames does not ("+1", "-1" are Blender's
	// frames relative to the scene's, which only Blender knows).
	if err1 != nil || err2 != nil || strings.ContainsAny(a+b, "+-") || first < 0 {
		return 0, 0, 0, fmt.Errorf("%q is not a frame, a range of frames (1-10, 1..10) or a range with a step (1-10x2)", item)
	}
	if last < first {
		return 0, 0, 0, fmt.Errorf("%q ends before it starts", item)
	}
	return first, last, step, nil
}

// frameList writes frames briefly for messages: "1-3, 5, 9-10".
func frameList(frames []int) string {
	var parts []string
	for i := 0; i < len(frames); {
		j := i
		for j+1 < len(frames) && frames[j+1] == frames[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", frames[i], frames[j]))
		} else {
			parts = append(parts, strconv.Itoa(frames[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}
