package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// The file-management commands, with Flamenco's names and parameters.
func init() {
	commands["copy-file"] = copyFileCommand
	commands["move-directory"] = moveDirectoryCommand
	commands["make-directory"] = makeDirectoryCommand
	commands["delete-path"] = deletePathCommand
}

// absoluteParam is a required parameter holding an absolute path of this
// worker's system: a relative one would depend on the worker's working
// directory, which no job knows, and so would another system's (P:\shots on
// Linux), which also gets its own error.
func absoluteParam(params map[string]any, key string) (string, error) {
	p, err := localParam(params, key)
	if err != nil {
		return "", err
	}
	if !filepath.IsAbs(p) {
		return "", fmt.Errorf("parameter %s must be an absolute path, not %q", key, p)
	}
	return filepath.Clean(p), nil
}

// localParam is a required path parameter that is not another operating
// system's path (see checkLocalPath).
func localParam(params map[string]any, key string) (string, error) {
	p, err := requiredString(params, key)
	if err != nil {
		return "", err
	}
	return p, checkLocalPath(key, p)
}

// copyFileCommand copies the file src to dest, which must not exist yet.
func copyFileCommand(ctx context.Context, env Env, params map[string]any) error {
	src, err := absoluteParam(params, "src")
	if err != nil {
		return err
	}
	dest, err := absoluteParam(params, "dest")
	if err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("parameter src: %w", err)
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return fmt.Errorf("parameter src: %w", err)
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("parameter src: %s is not a regular file", src)
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o775); err != nil {
		return fmt.Errorf("parameter dest: creating its directory: %w", err)
	}
	// O_EXCL: "dest must not exist" holds even against a concurrent writer.
	out, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, info.Mode().Perm())
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("parameter dest: %s already exists; not overwriting it", dest)
	}
	if err != nil {
		return fmt.Errorf("parameter dest: %w", err)
	}
	env.Log(fmt.Sprintf("copy-file: copying %s to %s", src, dest))
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dest) // no half-copied file that would block a retry
		return fmt.Errorf("copying %s to %s: %w", src, dest, err)
	}
	return nil
}

// moveDirectoryCommand moves src to dest. An existing dest is kept, renamed
// after its modification time, so a re-render never destroys earlier frames.
func moveDirectoryCommand(ctx context.Context, env Env, params map[string]any) error {
	src, err := localParam(params, "src")
	if err != nil {
		return err
	}
	dest, err := localParam(params, "dest")
	if err != nil {
		return err
	}
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("parameter src: %w", err)
	}
	if info, err := os.Stat(dest); err == nil {
		aside, err := uniquePath(dest + "-" + info.ModTime().Format("2006-01-02_150405"))
		if err != nil {
			return fmt.Errorf("parameter dest: %w", err)
		}
		env.Log(fmt.Sprintf("move-directory: %s exists; moving it to %s", dest, aside))
		if err := os.Rename(dest, aside); err != nil {
			return fmt.Errorf("moving the existing dest aside: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o775); err != nil {
		return fmt.Errorf("parameter dest: creating its parent directory: %w", err)
	}
	env.Log(fmt.Sprintf("move-directory: moving %s to %s", src, dest))
	if err := os.Rename(src, dest); err != nil {
		// A rename cannot cross file systems; copying whole render folders
		// silently instead would be slow and surprising, so say so.
		return fmt.Errorf("moving %s to %s (both must be on the same file system): %w", src, dest, err)
	}
	return nil
}

var numberSuffix = regexp.MustCompile(`-(\d+)$`)

// uniquePath returns p if nothing is there, else p-NNN with NNN one more than
// the highest such suffix in use.
func uniquePath(p string) (string, error) {
	if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	matches, err := filepath.Glob(globEscape(p) + "-*")
	if err != nil {
		return "", err
	}
	highest := 0
	for _, m := range matches {
		if s := numberSuffix.FindStringSubmatch(strings.TrimPrefix(m, p)); s != nil {
			if n, err := strconv.Atoi(s[1]); err == nil && n > highest {
				highest = n
			}
		}
	}
	return fmt.Sprintf("%s-%03d", p, highest+1), nil
}

// globEscape quotes the glob metacharacters in a literal path.
func globEscape(p string) string {
	r := strings.NewReplacer("*", `[*]`, "?", `[?]`, "[", `[[]`)
	return r.Replace(p)
}

// makeDirectoryCommand is mkdir -p.
func makeDirectoryCommand(ctx context.Context, env Env, params map[string]any) error {
	p, err := localParam(params, "path")
	if err != nil {
		return err
	}
	env.Log(fmt.Sprintf("make-directory: creating %s", p))
	if err := os.MkdirAll(p, 0o775); err != nil {
		return fmt.Errorf("parameter path: %w", err)
	}
	return nil
}

// deletePathCommand deletes a file or a directory tree. A missing path is
// fine (a retried task may have deleted it already). Paths whose loss would be
// a disaster are refused: a job's typo must not empty a disk or a home.
func deletePathCommand(ctx context.Context, env Env, params map[string]any) error {
	p, err := absoluteParam(params, "path")
	if err != nil {
		return err
	}
	if filepath.Dir(p) == p {
		return fmt.Errorf("parameter path: refusing to delete the root directory %s", p)
	}
	if home, ok := holdsHome(p); ok {
		return fmt.Errorf("parameter path: refusing to delete %s, which holds the home directory %s", p, home)
	}
	if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
		env.Log(fmt.Sprintf("delete-path: %s does not exist; nothing to delete", p))
		return nil
	}
	env.Log(fmt.Sprintf("delete-path: deleting %s", p))
	if err := os.RemoveAll(p); err != nil {
		return fmt.Errorf("deleting %s: %w", p, err)
	}
	return nil
}

// contains reports whether the directory dir is inner or one of its parents.
func contains(dir, inner string) bool {
	rel, err := filepath.Rel(dir, inner)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// holdsHome reports whether deleting p would delete the home directory, also
// when the home is reached through a symbolic link.
func holdsHome(p string) (string, bool) {
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return "", false
	}
	homes := []string{filepath.Clean(home)}
	if real, err := filepath.EvalSymlinks(home); err == nil {
		homes = append(homes, real)
	}
	for _, h := range homes {
		if contains(p, h) {
			return home, true
		}
	}
	return "", false
}
