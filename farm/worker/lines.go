package worker

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Output lines longer than readBuffer bytes are cut to their first keepLine
// bytes, with a note saying so, and reading goes on with the next line. A
// program that prints a huge line (a Python repr of a mesh, a progress bar
// without newlines) then costs the log a few KiB, and loses nothing after it.
const (
	readBuffer = 64 << 10
	keepLine   = 8 << 10
)

// logLines passes each line r yields to log, without its line ending, until
// r ends. It never stops early: a writer blocked on a full pipe would keep
// the process from ending.
func logLines(r io.Reader, log func(string)) {
	br := bufio.NewReaderSize(r, readBuffer)
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			var cut string
			cut, err = cutLine(br, line)
			log(cut)
		} else if len(line) > 0 {
			log(string(trimEOL(line)))
		}
		if err != nil {
			// A pipe's writer only ever closes it cleanly (io.EOF); drain
			// anything else so the writer is never left blocked. A reader
			// that fails again has nothing left to drain.
			_, _ = io.Copy(io.Discard, r)
			return
		}
	}
}

// cutLine reads the rest of a line whose first part is head (a full buffer)
// and returns its first keepLine bytes, cut at a character boundary, with a
// note of how long the line was.
func cutLine(br *bufio.Reader, head []byte) (string, error) {
	kept := head[:keepLine]
	// Keep the last character only if it is whole.
	for i := len(kept) - 1; i >= 0 && i >= len(kept)-utf8.UTFMax; i-- {
		if utf8.RuneStart(kept[i]) {
			if !utf8.FullRune(kept[i:]) {
				kept = kept[:i]
			}
			break
		}
	}
	note := string(kept)
	total := len(head)
	var err error
	for {
		var more []byte
		more, err = br.ReadSlice('\n')
		total += len(more)
		if !errors.Is(err, bufio.ErrBufferFull) {
			total -= len(more) - len(trimEOL(more))
			break
		}
	}
	return fmt.Sprintf("%s… [line cut: %d bytes, kept first %d]", note, total, len(kept)), err
}

func trimEOL(line []byte) []byte {
	line = bytes.TrimSuffix(line, []byte("\n"))
	return bytes.TrimSuffix(line, []byte("\r"))
}
