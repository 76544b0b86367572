package store

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// BackupsKept is how many automatic backups (those written before a
// migration) stay next to the database; older ones are deleted once a new one
// is on disk. Backups a person made (farmhand backup) and the copies restore
// keeps are never deleted.
const BackupsKept = 3

// backupPrefix starts the name of every automatic backup:
// farmhand.db.backup-schema<N>-<UTC time>, N being the schema the copy has.
const backupPrefix = FileName + ".backup-"

// backupTime is the UTC time in a backup's name: fixed width, so that names
// sort in time order.
const backupTime = "20060102T150405.000Z"

// ErrInUse is returned (wrapped) when a database is locked by another process,
// normally a running manager.
var ErrInUse = errors.New("the database is in use by another Farmhand process (stop the manager first)")

// NewerSchemaError is returned (wrapped) by Open and Inspect for a database
// written by a newer Farmhand than this one: Found is its schema version,
// Known the newest this build reads (SchemaVersion).
type NewerSchemaError struct{ Found, Known int }

func (e *NewerSchemaError) Error() string {
	return fmt.Sprintf("this database was written by a newer Farmhand (schema %d); this Farmhand reads up to schema %d: run the newer Farmhand, or restore a backup", e.Found, e.Known)
}

// Backup writes a consistent copy of the whole database to w, taken in one read
// transaction while writers go on, and returns the bytes written. The copy is
// a bbolt file that Open (or restore) takes as is. After Close it returns an
// error wrapping ErrClosed.
func (s *Store) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.View(func(tx *Tx) error {
		var err error
		n, err = tx.btx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("backing up %s: %w", s.db.Path(), err)
	}
	return n, nil
}

// BackupFile writes a consistent copy of the database in dataDir to w while
// no manager has it open: the file is opened read-only and left unchanged. It
// returns the copy's schema version and size in bytes. A database locked by a
// running manager gives an error wrapping ErrInUse (back it up through the
// manager's API instead); a missing one wraps os.ErrNotExist.
func BackupFile(dataDir string, w io.Writer) (schema int, n int64, err error) {
	path := filepath.Join(dataDir, FileName)
	if _, err := os.Stat(path); err != nil {
		return 0, 0, fmt.Errorf("backing up %s: %w", path, err)
	}
	db, err := openReadOnly(path)
	if err != nil {
		return 0, 0, fmt.Errorf("backing up %s: %w", path, err)
	}
	defer db.Close()
	err = db.View(func(btx *bolt.Tx) error {
		if schema, err = schemaOf(btx); err != nil {
			return err
		}
		n, err = btx.WriteTo(w)
		return err
	})
	if err != nil {
		return 0, n, fmt.Errorf("backing up %s: %w", path, err)
	}
	return schema, n, nil
}

// openReadOnly opens a bbolt file without writing to it; ErrInUse when a
// writer (a manager) holds it.
func openReadOnly(path string) (*bolt.DB, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, ErrInUse
	}
	return db, err
}

// schemaOf reads a Farmhand database's schema version: 0 for a file with no
// meta bucket or version (not a Farmhand database, or a new empty one).
func schemaOf(btx *bolt.Tx) (int, error) {
	meta := btx.Bucket(bucketMeta)
	if meta == nil {
		return 0, nil
	}
	v := meta.Get(keySchemaVersion)
	if v == nil {
		return 0, nil
	}
	version, err := strconv.Atoi(string(v))
	if err != nil {
		return 0, fmt.Errorf("reading schema version %q: %w", v, err)
	}
	return version, nil
}

// backupBeforeMigrate writes the database's current content to a new
// automatic backup beside it (see backupPrefix) and fsyncs it, then deletes
// the automatic backups beyond the newest BackupsKept. It returns the new
// backup's path. Nothing is migrated when it fails: a half-written copy is
// removed and the error says why.
func backupBeforeMigrate(db *bolt.DB, schema int, now time.Time) (string, error) {
	path := fmt.Sprintf("%s.backup-schema%d-%s", db.Path(), schema, now.UTC().Format(backupTime))
	if err := writeCopy(db, path); err != nil {
		return "", fmt.Errorf("backing up the database before migrating it (nothing was changed): %w", err)
	}
	pruneBackups(filepath.Dir(path))
	return path, nil
}

// writeCopy writes db's content to path through a temporary file, so that a
// file with the backup's name is always whole.
func writeCopy(db *bolt.DB, path string) error {
	tmp := path + ".partial"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	err = db.View(func(btx *bolt.Tx) error { _, err := btx.WriteTo(f); return err })
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	// A backup whose name a power loss could undo is no backup to migrate on.
	if err := syncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// syncDir fsyncs the directory dir, so that a rename in it survives a power
// loss. On Windows it does nothing and returns nil: a directory cannot be
// flushed there, and NTFS journals renames. Errors are those of opening or
// fsyncing dir, wrapped with its name.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing folder %s: %w", dir, err)
	}
	err = d.Sync()
	d.Close()
	if err != nil {
		return fmt.Errorf("syncing folder %s: %w", dir, err)
	}
	return nil
}

// Backups lists the automatic backups in dataDir, newest first, as paths.
func Backups(dataDir string) ([]string, error) {
	entries, err := os.ReadDir(dataDir)
	if err != nil {
		return nil, fmt.Errorf("listing backups in %s: %w", dataDir, err)
	}
	type named struct{ path, when string }
	var found []named
	for _, e := range entries {
		name := e.Name()
		rest, ok := strings.CutPrefix(name, backupPrefix)
		if !ok || strings.HasSuffix(name, ".partial") || e.IsDir() {
			continue
		}
		// rest is schema<N>-<time>; order by time, whatever the schema.
		_, when, ok := strings.Cut(rest, "-")
		if !ok {
			continue
		}
		found = append(found, named{filepath.Join(dataDir, name), when})
	}
	sort.Slice(found, func(i, j int) bool { return found[i].when > found[j].when })
	paths := make([]string, len(found))
	for i, f := range found {
		paths[i] = f.path
	}
	return paths, nil
}

// pruneBackups deletes the automatic backups beyond the newest BackupsKept. A
// backup that cannot be deleted is only logged: it costs disk, not data.
func pruneBackups(dataDir string) {
	paths, err := Backups(dataDir)
	if err != nil {
		slog.Warn("listing old database backups", "err", err)
		return
	}
	for _, p := range paths[min(len(paths), BackupsKept):] {
		if err := os.Remove(p); err != nil {
			slog.Warn("deleting an old database backup", "file", p, "err", err)
		}
	}
}
