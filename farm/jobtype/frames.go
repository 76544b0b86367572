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

// ParseFrames parses a frame range such as "1-10", "1..10" or "3, 5-10, 47" into
// the sorted list of distinct frames it names.
func ParseFrames(spec string) ([]int, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, fmt.Errorf("frame range is empty; write frames like \"1-100\" or \"1, 5, 10-20\"")
	}
	var frames []int
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, fmt.Errorf("frame range %q has an empty item between commas", spec)
		}
		first, last, err := parseItem(part)
		if err != nil {
			return nil, fmt.Errorf("frame range %q: %w", spec, err)
		}
		if len(frames)+(last-first+1) > MaxFrames {
			return nil, fmt.Errorf("frame range %q names more than %d frames", spec, MaxFrames)
		}
		for f := first; f <= last; f++ {
			frames = append(frames, f)
		}
	}
	slices.Sort(frames)
	return slices.Compact(frames), nil
}

func parseItem(item string) (first, last int, err error) {
	lo, hi, isRange := strings.Cut(item, "..")
	if !isRange {
		lo, hi, isRange = strings.Cut(item, "-")
	}
	if first, err = parseFrame(lo, item); err != nil {
		return 0, 0, err
	}
	if !isRange {
		return first, first, nil
	}
	if last, err = parseFrame(hi, item); err != nil {
		return 0, 0, err
	}
	if last < first {
		return 0, 0, fmt.Errorf("%q runs backwards; write %d-%d", item, last, first)
	}
	return first, last, nil
}

func parseFrame(s, item string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("%q is missing a frame number", item)
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("%q: %q is not a frame number (frames are whole numbers from 0)", item, s)
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > 1<<30 {
		return 0, fmt.Errorf("%q: frame %s is too large", item, s)
	}
	return n, nil
}

// ChunkFrames splits sorted frames into chunks of at most size frames, each
// written in range notation ("1-3", "5", "7,9").
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

// FormatFrames writes sorted frames compactly: runs of three or more as "a-b".
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
