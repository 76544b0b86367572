package upgrade

import (
	"debug/buildinfo"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"farmhand/farm/files"
)

// Catalog is the set of binaries a manager hands out: its own executable for
// its own platform, and every farmhand-<os>-<arch>[.exe] (FileName) in Dirs.
// A file in Dirs for the manager's own platform wins over its executable:
// whoever put it there wants workers to get it. A Catalog is cheap: it reads
// the folders at each List, and the files' hashes are kept (for the whole
// process) until a file's size or modification time changes.
type Catalog struct {
	Self Binary   // the manager's executable: OS, Arch, Version and Path set
	Dirs []string // folders searched in order; the first file for a platform wins
}

// hashes caches FileSHA256 by path; safe for concurrent use.
var hashes = struct {
	sync.Mutex
	m map[string]hashed
}{m: map[string]hashed{}}

type hashed struct {
	size int64
	mod  time.Time
	sum  string
}

// List returns the binaries, sorted by platform, each with its size and
// SHA-256. A file in Dirs that is not a Go binary for the platform its name
// says is left out and named in skipped. Errors: the manager's own executable
// unreadable.
func (c Catalog) List() (bins []Binary, skipped []error, err error) {
	seen := map[string]bool{}
	for _, dir := range c.Dirs {
		entries, _ := os.ReadDir(dir) // a folder that does not exist holds nothing
		for _, e := range entries {
			goos, goarch, ok := parseFileName(e.Name())
			if !ok || e.IsDir() || seen[goos+"-"+goarch] {
				continue
			}
			b, err := c.inspect(filepath.Join(dir, e.Name()), goos, goarch)
			if err != nil {
				skipped = append(skipped, err)
				continue
			}
			seen[b.Platform()] = true
			bins = append(bins, b)
		}
	}
	if c.Self.Path != "" && !seen[c.Self.Platform()] {
		self := c.Self
		if self.SHA256, self.Size, err = c.hash(self.Path); err != nil {
			return nil, skipped, fmt.Errorf("reading the manager's own executable: %w", err)
		}
		bins = append(bins, self)
	}
	slices.SortFunc(bins, func(a, b Binary) int { return strings.Compare(a.Platform(), b.Platform()) })
	return bins, skipped, nil
}

// Find returns the binary for goos/goarch. Errors: ErrNoBinary (wrapped,
// naming the file that would serve it), List's.
func (c Catalog) Find(goos, goarch string) (Binary, error) {
	bins, _, err := c.List()
	if err != nil {
		return Binary{}, err
	}
	for _, b := range bins {
		if b.OS == goos && b.Arch == goarch {
			return b, nil
		}
	}
	where := FileName(goos, goarch)
	if len(c.Dirs) > 0 {
		where = filepath.Join(c.Dirs[0], where)
	}
	return Binary{}, fmt.Errorf("%w: %s-%s (put one at %s)", ErrNoBinary, goos, goarch, where)
}

// parseFileName reads "farmhand-linux-amd64" or "farmhand-windows-amd64.exe".
func parseFileName(name string) (goos, goarch string, ok bool) {
	rest, ok := strings.CutPrefix(name, "farmhand-")
	if !ok {
		return "", "", false
	}
	goos, goarch, ok = strings.Cut(strings.TrimSuffix(rest, ".exe"), "-")
	if !ok || goos == "" || goarch == "" || FileName(goos, goarch) != name {
		return "", "", false
	}
	return goos, goarch, true
}

// inspect reads a binary's build information: it must be a Go program built
// for the platform its name says; its version is what -X VersionSymbol set,
// "unknown" without one.
func (c Catalog) inspect(path, goos, goarch string) (Binary, error) {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return Binary{}, fmt.Errorf("%s is not a Go program: %w", path, err)
	}
	b := Binary{OS: goos, Arch: goarch, Version: "unknown", Path: path}
	var builtOS, builtArch string
	for _, s := range info.Settings {
		switch s.Key {
		case "GOOS":
			builtOS = s.Value
		case "GOARCH":
			builtArch = s.Value
		case "-ldflags":
			if v := ldflagsVersion(s.Value); v != "" {
				b.Version = v
			}
		}
	}
	if builtOS != goos || builtArch != goarch {
		return Binary{}, fmt.Errorf("%s is built for %s-%s, not %s-%s", path, builtOS, builtArch, goos, goarch)
	}
	if b.SHA256, b.Size, err = c.hash(path); err != nil {
		return Binary{}, err
	}
	return b, nil
}

// ldflagsVersion finds "-X farmhand/app.Version=V" in a build's -ldflags.
func ldflagsVersion(flags string) string {
	words := strings.Fields(flags)
	for i, w := range words {
		w = strings.Trim(w, `"'`)
		if w == "-X" && i+1 < len(words) {
			w = strings.Trim(words[i+1], `"'`)
		} else if !strings.HasPrefix(w, "-X=") {
			continue
		}
		if v, ok := strings.CutPrefix(strings.TrimPrefix(w, "-X="), VersionSymbol+"="); ok {
			return v
		}
	}
	return ""
}

// hash returns a file's SHA-256 and size, from the cache while the file's
// size and modification time are unchanged.
func (c Catalog) hash(path string) (string, int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", 0, fmt.Errorf("reading %s: %w", path, err)
	}
	hashes.Lock()
	h, ok := hashes.m[path]
	hashes.Unlock()
	if ok && h.size == st.Size() && h.mod.Equal(st.ModTime()) {
		return h.sum, h.size, nil
	}
	sum, n, err := files.HashFile(path)
	if err != nil {
		return "", 0, err
	}
	if n != st.Size() {
		return "", 0, fmt.Errorf("%s changed while it was read (%d bytes, then %d); ask again", path, st.Size(), n)
	}
	hashes.Lock()
	hashes.m[path] = hashed{size: n, mod: st.ModTime(), sum: sum}
	hashes.Unlock()
	return sum, n, nil
}
