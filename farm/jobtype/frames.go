package jobtype

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// MaxFrames bounds how many frames one range may name, so that a typo like
// "1-100000000" is an error instead of a job with a hundred million frames.
const MaxFrames = 1_000_000

// frameForms ends every frame-range error, once, so that the first mistake
// teaches the syntax.
const frameForms = "use forms like 1-10, 1-10x2 (every 2nd frame), 1,3,5 or 1-10,20-30"

// ParseFrames parses a frame range into the sorted list of distinct frames it
// names. A range is comma-separated items, each a frame ("47"), a run of
// frames ("1-10" or "1..10", ends included) or a run with a step ("1-10x2" or
// "1-10:2", both 1,3,5,7,9; the step is a whole number of 1 or more, as
// Blender's Frame Step). Frames are whole numbers from 0. Errors name the
// range once and end with the accepted forms.
func ParseFrames(spec string) ([]int, error) {
	items := strings.Split(spec, ",")
	fail := func(problem string) error {
		if problem == "" {
			return fmt.Errorf("frames %q: not a frame range; %s", spec, frameForms)
		}
		return fmt.Errorf("frames %q: %s; %s", spec, problem, frameForms)
	}
	if strings.TrimSpace(spec) == "" {
		return nil, fail("no frames given")
	}
	var frames []int
	for _, item := range items {
		item = strings.TrimSpace(item)
		if item == "" {
			return nil, fail("an empty item between commas")
		}
		first, last, step, problem := parseItem(item, len(items) == 1)
		if problem != "" || first < 0 {
			return nil, fail(problem)
		}
		if len(frames)+(last-first)/step+1 > MaxFrames {
			return nil, fail(fmt.Sprintf("more than %d frames", MaxFrames))
		}
		for f := first; f <= last; f += step {
			frames = append(frames, f)
		}
	}
	slices.Sort(frames)
	return slices.Compact(frames), nil
}

// parseItem reads one item of a frame range. alone says the item is the whole
// range, which the error then need not quote again. A problem of "" with
// first < 0 means the item is not a frame range at all.
func parseItem(item string, alone bool) (first, last, step int, problem string) {
	quoted := ""
	if !alone {
		quoted = fmt.Sprintf("%q ", item)
	}
	body, stepText, stepped := strings.Cut(item, "x")
	if !stepped {
		body, stepText, stepped = strings.Cut(item, ":")
	}
	lo, hi, isRange := strings.Cut(body, "..")
	if !isRange {
		lo, hi, isRange = strings.Cut(body, "-")
	}
	var ok bool
	if first, problem, ok = parseFrame(lo, quoted); !ok {
		return -1, 0, 0, problem
	}
	step, last = 1, first
	if isRange {
		if last, problem, ok = parseFrame(hi, quoted); !ok {
			return -1, 0, 0, problem
		}
		if last < first {
			return -1, 0, 0, fmt.Sprintf("%sruns backwards (write %d-%d)", quoted, last, first)
		}
	}
	if stepped {
		if !isRange {
			return -1, 0, 0, fmt.Sprintf("%sa step needs a range before it, as in %d-%dx2", quoted, first, first+10)
		}
		s := strings.TrimSpace(stepText)
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || !digits(s) {
			return -1, 0, 0, fmt.Sprintf("%sthe step %q must be a whole number of 1 or more", quoted, s)
		}
		step = n
	}
	return first, last, step, ""
}

// parseFrame reads a frame number; ok is false when s is none, and problem
// then says why ("" when s is simply not a frame range).
func parseFrame(s, quoted string) (frame int, problem string, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" || !digits(s) {
		if quoted != "" {
			return 0, quoted + "is not a frame or a range of frames", false
		}
		return 0, "", false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > 1<<30 {
		return 0, fmt.Sprintf("frame %s is too large", s), false
	}
	return n, "", true
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// ChunkFrames splits sorted frames into chunks of at most size frames, each
// written as FormatFrames writes them.
func ChunkFrames(frames []int, size int) []string {
	if size < 1 {
		size = 1
	}
	var chunks []string
	for start := 0; start < len(frames); start += size {
		chunks = append(chunks, FormatFrames(frames[start:min(start+size, len(frames))]))
	}
	return chunks
}

// FormatFrames writes sorted frames compactly, as Flamenco's chunker does:
// runs of three or more consecutive frames as "a-b", other frames listed
// ("1-3,5,7"). It never writes steps, so that a chunk with "-" turned into
// ".." is what Blender's --render-frame takes: a stepped chunk is a list of
// exactly its frames, and Blender renders only those.
func FormatFrames(frames []int) string {
	var parts []string
	for i := 0; i < len(frames); {
		j := i
		for j+1 < len(frames) && frames[j+1] == frames[j]+1 {
			j++
		}
		switch {
		case j-i >= 2:
			parts = append(parts, fmt.Sprintf("%d-%d", frames[i], frames[j]))
		case j > i:
			parts = append(parts, strconv.Itoa(frames[i]), strconv.Itoa(frames[j]))
		default:
			parts = append(parts, strconv.Itoa(frames[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}
