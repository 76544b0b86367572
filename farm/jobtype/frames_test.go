package jobtype

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseFrames(t *testing.T) {
	good := map[string]string{
		"1-10":         "[1 2 3 4 5 6 7 8 9 10]",
		"1..4":         "[1 2 3 4]",
		"3, 5-7, 47":   "[3 5 6 7 47]",
		" 7 ":          "[7]",
		"5,1,3-4,4":    "[1 3 4 5]",
		"0":            "[0]",
		"10 - 12":      "[10 11 12]",
		"2..2":         "[2]",
		"1-10x2":       "[1 3 5 7 9]",
		"1-10:2":       "[1 3 5 7 9]",
		"1..10x3":      "[1 4 7 10]",
		"1-6 x 2":      "[1 3 5]",
		"0-0x5":        "[0]",
		"1-10x20":      "[1]",
		"1-5x2, 2-6:2": "[1 2 3 4 5 6]",
	}
	for in, want := range good {
		got, err := ParseFrames(in)
		if err != nil || fmt.Sprint(got) != want {
			t.Errorf("ParseFrames(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	bad := []string{"", " ", "1-", "-5", "a", "1,,2", "10-1", "1.5", "1-2-3", "1...3", "1e3", "+4", "99999999999", "0-2000000",
		"1 10", "1-10x0", "1-10x-2", "1-10:-1", "1-10x", "1-10x2x2", "5x2", "1-10x1.5", "1-10x+2", "0-2000000x1", "1-10,a"}
	for _, in := range bad {
		got, err := ParseFrames(in)
		if err == nil {
			t.Errorf("ParseFrames(%q) = %v, want an error", in, got)
			continue
		}
		// The range named once, the accepted forms listed once.
		msg := err.Error()
		if strings.Count(msg, fmt.Sprintf("%q", in)) != 1 || strings.Count(msg, frameForms) != 1 || !strings.HasPrefix(msg, "frames ") {
			t.Errorf("ParseFrames(%q) error %q does not name the range and the forms once", in, msg)
		}
	}
}

// TestFrameRangeErrorsSayWhatIsWrong pins the messages of case 11.
func TestFrameRangeErrorsSayWhatIsWrong(t *testing.T) {
	for in, want := range map[string]string{
		"1 10":    `frames "1 10": not a frame range; ` + frameForms,
		"1-10x-2": `frames "1-10x-2": the step "-2" must be a whole number of 1 or more; ` + frameForms,
		"1-10x0":  `frames "1-10x0": the step "0" must be a whole number of 1 or more; ` + frameForms,
		"10-1":    `frames "10-1": runs backwards (write 1-10); ` + frameForms,
		"1-3,b-4": `frames "1-3,b-4": "b-4" is not a frame or a range of frames; ` + frameForms,
		"5x2":     `frames "5x2": a step needs a range before it, as in 5-15x2; ` + frameForms,
	} {
		if _, err := ParseFrames(in); err == nil || err.Error() != want {
			t.Errorf("ParseFrames(%q):\n got %v\nwant %s", in, err, want)
		}
	}
}

func TestChunkFrames(t *testing.T) {
	frames, _ := ParseFrames("1-7, 9, 11-12")
	got := ChunkFrames(frames, 3)
	want := "[1-3 4-6 7,9,11 12]"
	if fmt.Sprint(got) != want {
		t.Errorf("chunks %v, want %s", got, want)
	}
	// Case 11: chunks over a gap, and stepped chunks as lists of exactly their frames.
	for _, c := range []struct {
		spec string
		size int
		want string
	}{
		{"1-10,20-30", 4, "[1-4 5-8 9,10,20,21 22-25 26-29 30]"},
		{"1-10x2", 1, "[1 3 5 7 9]"},
		{"1-10:2", 5, "[1,3,5,7,9]"},
		{"1-6x2", 2, "[1,3 5]"},
	} {
		frames, err := ParseFrames(c.spec)
		if got := ChunkFrames(frames, c.size); err != nil || fmt.Sprint(got) != c.want {
			t.Errorf("chunks of %q by %d: %v, %v; want %s", c.spec, c.size, got, err, c.want)
		}
	}
	if got := ChunkFrames(frames, 0); len(got) != len(frames) {
		t.Errorf("chunk size 0 gave %d chunks", len(got))
	}
}

// FuzzParseFrames checks that any input either fails cleanly or yields sorted,
// distinct frames that survive a round trip through FormatFrames, and that
// frameChunker's chunks (what scripts see) hold those frames in order, at most
// size to a chunk.
func FuzzParseFrames(f *testing.F) {
	for _, s := range []string{"1-10", "1..10", "3, 5-10, 47", "", "1-", "10-1", "0..0", "1,2,3",
		"1-10x2", "1-10:3", "1..9x4, 2", "1-10x0", "1-10x-2", "1 10"} {
		f.Add(s, 3)
	}
	f.Add("1-100", 0)
	f.Add("1, 3, 5-9", 1)
	f.Fuzz(func(t *testing.T, spec string, size int) {
		frames, err := ParseFrames(spec)
		if err != nil {
			prefix := fmt.Sprintf("frames %q: ", spec)
			if msg := err.Error(); !strings.HasPrefix(msg, prefix) || strings.Count(msg[len(prefix):], frameForms) != 1 {
				t.Fatalf("%q: error %q does not name the range and the accepted forms", spec, msg)
			}
			if _, cerr := frameChunker(spec, max(size, 1)); cerr == nil {
				t.Fatalf("%q: frameChunker accepted what ParseFrames refused", spec)
			}
			return
		}
		if len(frames) == 0 {
			t.Fatalf("%q parsed to no frames without an error", spec)
		}
		for i := 1; i < len(frames); i++ {
			if frames[i] <= frames[i-1] {
				t.Fatalf("%q: frames not sorted and distinct: %v", spec, frames[:i+1])
			}
		}
		again, err := ParseFrames(FormatFrames(frames))
		if err != nil || fmt.Sprint(again) != fmt.Sprint(frames) {
			t.Fatalf("%q: round trip through %q gave %v, %v", spec, FormatFrames(frames), again, err)
		}
		if len(frames) > 10_000 {
			return // big but valid; chunking it on every run would slow the fuzzer down
		}
		chunks, err := frameChunker(spec, size)
		if size < 1 {
			if err == nil {
				t.Fatalf("chunk size %d accepted", size)
			}
			return
		}
		if err != nil {
			t.Fatalf("%q: frameChunker: %v", spec, err)
		}
		var joined []int
		for _, c := range chunks {
			part, err := ParseFrames(c)
			if err != nil || len(part) > size {
				t.Fatalf("%q size %d: chunk %q has %d frames, %v", spec, size, c, len(part), err)
			}
			joined = append(joined, part...)
		}
		if fmt.Sprint(joined) != fmt.Sprint(frames) {
			t.Fatalf("%q size %d: chunks %v do not add up to the frames", spec, size, chunks)
		}
	})
}
