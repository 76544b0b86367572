package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ErrNotFarmhand is returned (wrapped) by Inspect and Restore for a file that
// is not a Farmhand database: not a bbolt file, or one without Farmhand's
// buckets and schema version.
var ErrNotFarmhand = errors.New("not a Farmhand database")

// Inspect opens the bbolt file at path read-only and returns its schema
// version, checking that it is a whole, undamaged bbolt file (every page is
// read, so it takes time in proportion to the file's size) and a Farmhand
// database this build can open (as is, or after migrating it). Errors wrap ErrNotFarmhand, ErrInUse (a process
// holds the file), or are a *NewerSchemaError (written by a newer Farmhand).
func Inspect(path string) (int, error) {
	if _, err := os.Stat(path); err != nil {
		return 0, err
	}
	return inspect(path, path)
}

// inspect is Inspect of the file at path, named name in its errors.
func inspect(path, name string) (int, error) {
	db, err := openReadOnly(path)
	if errors.Is(err, ErrInUse) {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	if err != nil {
		return 0, fmt.Errorf("%s is %w (%w)", name, ErrNotFarmhand, err)
	}
	defer db.Close()
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	var schema int
	err = db.View(func(btx *bolt.Tx) error {
		// A copy cut short (a download that broke off) still opens, but
		// reading its missing pages would crash: check its length first.
		if btx.Size() > st.Size() {
			return fmt.Errorf("it is cut short: %d bytes of %d", st.Size(), btx.Size())
		}
		for err := range btx.Check() {
			return fmt.Errorf("it is damaged: %w", err)
		}
		var err error
		if schema, err = schemaOf(btx); err != nil {
			return err
		}
		for _, b := range [][]byte{bucketJobs, bucketTasks, bucketWorkers} {
			if btx.Bucket(b) == nil {
				return fmt.Errorf("it has no %s bucket", b)
			}
		}
		return nil
	})
	switch {
	case err != nil:
		return 0, fmt.Errorf("%s is %w (%w)", name, ErrNotFarmhand, err)
	case schema < 1:
		return 0, fmt.Errorf("%s is %w (it has no schema version)", name, ErrNotFarmhand)
	case schema > SchemaVersion:
		return schema, &NewerSchemaError{Found: schema, Known: SchemaVersion}
	}
	return schema, nil
}

// Restored says what Restore did.
type Restored struct {
	Schema   int    // schema version of the restored database (the manager migrates it at its next start)
	Replaced string // where the database it replaced was kept; "" when there was none
}

// Restore makes the Farmhand database at src the database of dataDir, while
// no manager runs there. The database it replaces is kept beside it as
// farmhand.db.before-restore-<UTC time>, never deleted. src is copied first
// and the copy checked with Inspect, so what is put in place is exactly what
// was checked, and src itself is left as it was. Errors: ErrInUse when a
// process (a running manager) holds dataDir's database, ErrNotFarmhand or a
// *NewerSchemaError for src, or the file operation that failed. On an error
// dataDir's database is unchanged, with two exceptions the error names: when
// putting the replaced database back after a failed rename fails too (it is
// then at the kept path only), and when the restored database is in place but
// fsyncing dataDir failed (r then says what was done).
func Restore(dataDir, src string, now time.Time) (Restored, error) {
	var r Restored
	dst := filepath.Join(dataDir, FileName)
	if _, err := os.Stat(src); err != nil {
		return r, fmt.Errorf("restoring: %w", err)
	}
	if same(src, dst) {
		return r, fmt.Errorf("restoring %s: it is the database itself", src)
	}
	if err := checkNotInUse(dst); err != nil {
		return r, fmt.Errorf("restoring %s: %w", src, err)
	}
	tmp := dst + ".restoring"
	os.Remove(tmp) // left by an interrupted restore
	if err := copyFile(src, tmp); err != nil {
		return r, fmt.Errorf("restoring %s: %w", src, err)
	}
	schema, err := inspect(tmp, src)
	if err != nil {
		os.Remove(tmp)
		return r, fmt.Errorf("restoring %s: %w", src, err)
	}
	r.Schema = schema
	if _, err := os.Stat(dst); err == nil {
		r.Replaced = fmt.Sprintf("%s.before-restore-%s", dst, now.UTC().Format(backupTime))
		if err := os.Rename(dst, r.Replaced); err != nil {
			os.Remove(tmp)
			return Restored{}, fmt.Errorf("restoring %s: keeping the current database: %w", src, err)
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		if r.Replaced != "" {
			if perr := os.Rename(r.Replaced, dst); perr != nil {
				return Restored{}, fmt.Errorf("restoring %s: %w; putting the current database back failed too, it is kept as %s: %w",
					src, err, r.Replaced, perr)
			}
		}
		return Restored{}, fmt.Errorf("restoring %s: %w", src, err)
	}
	if err := syncDir(dataDir); err != nil {
		kept := ""
		if r.Replaced != "" {
			kept = " (the database it replaced is kept as " + r.Replaced + ")"
		}
		return r, fmt.Errorf("restoring %s: it is in place%s, but a power loss could undo that: %w", src, kept, err)
	}
	if err := writeRestoreNote(dataDir, src, r, now); err != nil {
		return r, fmt.Errorf("restoring %s: it is in place, but %w", src, err)
	}
	return r, nil
}

// checkNotInUse fails with ErrInUse when another process holds the bbolt file
// at path. A missing file is fine, and so is a damaged one: restoring is what
// a damaged database needs.
func checkNotInUse(path string) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	// A read-write open takes the exclusive lock a manager holds; it writes
	// nothing to an existing file.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if errors.Is(err, berrors.ErrTimeout) {
		return fmt.Errorf("%s: %w", path, ErrInUse)
	}
	if err == nil {
		db.Close()
	}
	return nil
}

func same(a, b string) bool {
	ia, err := os.Stat(a)
	if err != nil {
		return false
	}
	ib, err := os.Stat(b)
	return err == nil && os.SameFile(ia, ib)
}

// copyFile copies src to a new file dst and fsyncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
		return fmt.Errorf("copying to %s: %w", dst, err)
	}
	return nil
}
