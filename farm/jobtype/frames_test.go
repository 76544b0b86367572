package jobtype

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseFrames(t *testing.T) {
	good := map[string]string{
		"1-10":       "[1 2 3 4 5 6 7 8 9 10]",
		"1..4":       "[1 2 3 4]",
		"3, 5-7, 47": "[3 5 6 7 47]",
		" 7 ":        "[7]",
		"5,1,3-4,4":  "[1 3 4 5]",
		"0":          "[0]",
		"10 - 12":    "[10 11 12]",
		"2..2":       "[2]",
	}
	for in, want := range good {
		got, err := ParseFrames(in)
		if err != nil || fmt.Sprint(got) != want {
			t.Errorf("ParseFrames(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	bad := []string{"", " ", "1-", "-5", "a", "1,,2", "10-1", "1.5", "1-2-3", "1...3", "1e3", "+4", "99999999999", "0-2000000"}
	for _, in := range bad {
		if got, err := ParseFrames(in); err == nil {
			t.Errorf("ParseFrames(%q) = %v, want an error", in, got)
		} else if !strings.Contains(err.Error(), "frame") {
			t.Errorf("ParseFrames(%q) error %q does not say what is wrong", in, err)
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
	if got := ChunkFrames(frames, 0); len(got) != len(frames) {
		t.Errorf("chunk size 0 gave %d chunks", len(got))
	}
}

// FuzzParseFrames checks that any input either fails cleanly or yields sorted,
// distinct frames that survive a round trip through FormatFrames, and that
// frameChunker's chunks (what scripts see) hold those frames in order, at most
// size to a chunk.
func FuzzParseFrames(f *testing.F) {
	for _, s := range []string{"1-10", "1..10", "3, 5-10, 47", "", "1-", "10-1", "0..0", "1,2,3"} {
		f.Add(s, 3)
	}
	f.Add("1-100", 0)
	f.Add("1, 3, 5-9", 1)
	f.Fuzz(func(t *testing.T, spec string, size int) {
		frames, err := ParseFrames(spec)
		if err != nil {
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
