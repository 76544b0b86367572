package jobtype

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The built-in job types, named after their files as in Flamenco:
// simple_blender_render.js is simple-blender-render.
//
//go:embed scripts/*.js
var builtinScripts embed.FS

func typeName(file string) string {
	return strings.ReplaceAll(strings.TrimSuffix(file, ".js"), "_", "-")
}

func scriptName(typeName string) string { return strings.ReplaceAll(typeName, "-", "_") + ".js" }

// loadBuiltins loads the embedded scripts. They are part of the program, so a
// broken one is a bug that the tests catch, not a condition to handle.
func (r *Registry) loadBuiltins() map[string]*JobType {
	files, _ := fs.ReadDir(builtinScripts, "scripts")
	types := map[string]*JobType{}
	for _, f := range files {
		src, _ := fs.ReadFile(builtinScripts, "scripts/"+f.Name())
		jt, err := r.loadScript(typeName(f.Name()), f.Name(), string(src), SourceBuiltin)
		if err != nil {
			panic(fmt.Sprintf("jobtype: built-in %s: %v", f.Name(), err))
		}
		jt.native = nativeTwins[jt.Name]
		types[jt.Name] = jt
	}
	return types
}

// folderState is the scripts folder as last read. Maps are replaced, never
// changed, so callers may keep what current returned.
type folderState struct {
	read     bool
	stamp    string                // every script's name, size and modification time
	files    map[string]loadedFile // by file name
	types    map[string]*JobType   // the built-ins overlaid with the folder's scripts
	problems []Problem
}

type loadedFile struct {
	stamp string
	jt    *JobType
	err   error
}

type scriptFile struct {
	name, path, stamp string
}

// current returns the job types and problems, first re-reading the scripts
// folder if any script was added, removed or changed since the last look. The
// look is one directory read and a stat per script, cheap enough for every
// request, and needs no watcher goroutine.
func (r *Registry) current() (map[string]*JobType, []Problem) {
	files, stamp, dirErr := r.scan()
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.folder.read || stamp != r.folder.stamp {
		r.reload(files, stamp, dirErr)
	}
	return r.folder.types, r.folder.problems
}

// scan lists the folder's scripts: regular *.js files (symlinks followed) of at
// least 8 bytes, as Flamenco takes them; dot files are editors' and skipped.
// A missing folder is an empty one.
func (r *Registry) scan() (files []scriptFile, stamp string, err error) {
	if r.dir == "" {
		return nil, "", nil
	}
	entries, err := os.ReadDir(r.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "unreadable: " + err.Error(), err
	}
	var all strings.Builder
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".js") || strings.HasPrefix(name, ".") {
			continue
		}
		path := filepath.Join(r.dir, name)
		info, err := os.Stat(path)
		if err != nil || !info.Mode().IsRegular() || info.Size() < 8 {
			continue
		}
		f := scriptFile{name: name, path: path, stamp: fmt.Sprintf("%s %d %d", name, info.Size(), info.ModTime().UnixNano())}
		files = append(files, f)
		all.WriteString(f.stamp + "\n")
	}
	return files, all.String(), nil
}

// reload rebuilds the job types from the built-ins and the folder's scripts,
// loading again only scripts whose stamp changed. A script that fails to load
// is a Problem and hides a built-in of the same name: submitting it then says
// why, rather than silently running the built-in the studio meant to replace.
func (r *Registry) reload(files []scriptFile, stamp string, dirErr error) {
	st := folderState{read: true, stamp: stamp, files: map[string]loadedFile{}, types: maps.Clone(r.builtins)}
	if dirErr != nil {
		st.problems = append(st.problems, Problem{File: r.dir, Error: dirErr.Error()})
	}
	fromFile := map[string]string{} // job type → the file that defined it
	for _, f := range files {
		l, ok := r.folder.files[f.name]
		if !ok || l.stamp != f.stamp {
			l = loadedFile{stamp: f.stamp}
			l.jt, l.err = r.loadFile(f)
		}
		st.files[f.name] = l
		name := typeName(f.name)
		if other, dup := fromFile[name]; dup {
			st.problems = append(st.problems, Problem{Name: name, File: f.path,
				Error: fmt.Sprintf("%s already defines job type %q; remove one of the two", other, name)})
			continue
		}
		fromFile[name] = f.name
		if l.err != nil {
			st.problems = append(st.problems, Problem{Name: name, File: f.path, Error: l.err.Error()})
			delete(st.types, name)
			continue
		}
		st.types[name] = l.jt
	}
	r.folder = st
}

func (r *Registry) loadFile(f scriptFile) (*JobType, error) {
	src, err := os.ReadFile(f.path)
	if err != nil {
		return nil, err
	}
	source := SourceCustom
	if _, ok := r.builtins[typeName(f.name)]; ok {
		source = SourceCustomised
	}
	jt, err := r.loadScript(typeName(f.name), f.path, string(src), source)
	if err != nil {
		return nil, err
	}
	jt.File = f.path
	return jt, nil
}

// Export writes a built-in job type's script into the scripts folder, where the
// studio can edit it: the copy then overrides the built-in. It never overwrites
// a script that is already there (the error wraps fs.ErrExist).
func (r *Registry) Export(name string) (path string, err error) {
	if _, ok := r.builtins[name]; !ok {
		return "", fmt.Errorf("%w %q: only built-in job types can be exported; they are %v",
			ErrUnknown, name, slices.Sorted(maps.Keys(r.builtins)))
	}
	if r.dir == "" {
		return "", errors.New("this manager has no scripts folder to export job types to")
	}
	files, _, _ := r.scan()
	for _, f := range files {
		if typeName(f.name) == name {
			return "", fmt.Errorf("%w: %s already defines job type %q; edit it, or move it away to export a fresh copy",
				fs.ErrExist, f.path, name)
		}
	}
	src, _ := fs.ReadFile(builtinScripts, "scripts/"+scriptName(name))
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return "", err
	}
	path = filepath.Join(r.dir, scriptName(name))
	// Write a temporary file and link it into place: the folder never shows a
	// half-written script, and the link fails rather than replace a file.
	tmp, err := os.CreateTemp(r.dir, ".export-*.tmp")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(src); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("%w: %s is already there; edit it, or move it away to export a fresh copy", fs.ErrExist, path)
		}
		return "", err
	}
	return path, nil
}
