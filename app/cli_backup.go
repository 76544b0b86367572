package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/store"
)

// backupRoute streams a consistent copy of a running manager's database
// (admin only, application/octet-stream).
const backupRoute = "/api/v1/backup"

// runBackup saves a copy of the farm's database to FILE. With no manager
// running on this computer (its database unlocked) the copy is read straight
// from the data directory; otherwise, or with --manager, the running manager
// sends it (GET /api/v1/backup, as an admin). The copy is checked to be a
// Farmhand database before it takes FILE's name, so FILE is never half a copy.
func runBackup(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "backup", "backup FILE [--force] [--data DIR] [--manager URL]")}
	cf := addClientFlags(fs)
	force := fs.Bool("force", false, "replace FILE when it exists")
	pos, err := parseFlags(fs.FlagSet, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return fmt.Errorf("%w: say which file to save the backup to", errUsage)
	}
	dest, err := filepath.Abs(pos[0])
	if err != nil {
		return fmt.Errorf("backing up: %w", err)
	}
	if err := checkBackupDest(dest, filepath.Join(*cf.data, store.FileName), *force); err != nil {
		return err
	}
	online := *cf.manager != ""
	how, noLocal := "", false
	if !online {
		err = saveAtomically(dest, func(w io.Writer) error {
			_, _, err := store.BackupFile(*cf.data, w)
			return err
		})
		switch {
		case err == nil:
			how = "from " + filepath.Join(*cf.data, store.FileName) + ", no manager running"
		case errors.Is(err, store.ErrInUse), errors.Is(err, os.ErrNotExist):
			online = true // a manager runs here, or the farm's manager is elsewhere
			noLocal = errors.Is(err, os.ErrNotExist)
		default:
			return err
		}
	}
	if online {
		ref, err := cf.ref()
		if err != nil {
			return err
		}
		err = saveAtomically(dest, func(w io.Writer) error { return downloadBackup(context.Background(), ref, w) })
		if err != nil && noLocal {
			return fmt.Errorf("no farm database in %s (--data), and %w", *cf.data, err)
		}
		if err != nil {
			return err
		}
		how = "from the manager at " + ref.URL
	}
	schema, err := store.Inspect(dest)
	if err != nil {
		return fmt.Errorf("checking the backup %s: %w", dest, err)
	}
	size := int64(0)
	if st, err := os.Stat(dest); err == nil {
		size = st.Size()
	}
	if *cf.asJSON {
		return printJSON(e.stdout, map[string]any{"file": dest, "schema": schema, "bytes": size})
	}
	fmt.Fprintf(e.stdout, "Saved a backup of the farm's database (schema %d, %d bytes, %s) to %s\n", schema, size, how, dest)
	fmt.Fprintf(e.stdout, "To put it back: stop the manager, then run: farmhand restore %s\n", quoteArg(dest))
	return nil
}

// runRestore makes a backup the farm's database, while the manager is stopped.
// The database it replaces is kept beside it (store.Restore).
func runRestore(e *env, args []string) error {
	fs := newFlags(e, "restore", "restore FILE [--data DIR]")
	data := fs.String("data", defaultDataDir(), "data directory of the farm to restore into")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return fmt.Errorf("%w: say which backup file to restore", errUsage)
	}
	src, err := filepath.Abs(pos[0])
	if err != nil {
		return fmt.Errorf("restoring: %w", err)
	}
	r, err := store.Restore(*data, src, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Restored %s (schema %d) as the farm's database in %s.\n", src, r.Schema, *data)
	if r.Replaced != "" {
		fmt.Fprintf(e.stdout, "The database it replaced is kept as %s.\n", r.Replaced)
	}
	if r.Schema < store.SchemaVersion {
		fmt.Fprintf(e.stdout, "The manager upgrades it from schema %d to %d when it starts (after backing it up).\n", r.Schema, store.SchemaVersion)
	}
	return nil
}

// checkBackupDest refuses a destination the backup must not take: a folder,
// a file in a folder that does not exist, a database in use (a running
// manager's: replacing it would lose everything the manager writes after),
// the farm's own database, or (without force) any file that exists, since an
// earlier backup may be the only good copy left.
func checkBackupDest(dest, farmDB string, force bool) error {
	if st, err := os.Stat(filepath.Dir(dest)); err != nil || !st.IsDir() {
		return fmt.Errorf("%w: the folder %s does not exist", errUsage, filepath.Dir(dest))
	}
	st, err := os.Stat(dest)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("backing up to %s: %w", dest, err)
	case st.IsDir():
		return fmt.Errorf("%w: %s is a folder; give the backup a file name, e.g. %s", errUsage, dest,
			filepath.Join(dest, "farmhand-backup.db"))
	}
	if db, err := os.Stat(farmDB); err == nil && os.SameFile(st, db) {
		return fmt.Errorf("%w: %s is the farm's database itself; choose another file", errUsage, dest)
	}
	if _, err := store.Inspect(dest); errors.Is(err, store.ErrInUse) {
		return fmt.Errorf("%w: %s is the database of a running manager; choose another file", errUsage, dest)
	}
	if !force {
		return fmt.Errorf("%w: %s exists; choose another name, or replace it with --force", errUsage, dest)
	}
	return nil
}

// saveAtomically writes dest through write into a temporary file beside it,
// renamed to dest only when write succeeded and the file is on disk.
func saveAtomically(dest string, write func(io.Writer) error) error {
	tmp := dest + ".partial"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("saving the backup: %w", err)
	}
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("saving the backup: %w", cerr)
	}
	if err == nil {
		if err = os.Rename(tmp, dest); err != nil {
			err = fmt.Errorf("saving the backup: %w", err)
		}
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// downloadBackup asks a running manager for a copy of its database, through
// the API client like every other command.
func downloadBackup(ctx context.Context, ref farmRef, w io.Writer) error {
	if _, err := ref.client().Backup(ctx, w); err != nil {
		if s := client.StatusOf(err); s == http.StatusNotFound || s == http.StatusMethodNotAllowed {
			return errors.New("this manager cannot send backups (it is an older Farmhand): stop it and run 'farmhand backup' on its computer")
		}
		return fmt.Errorf("the manager at %s sent no backup: %w", ref.URL, err)
	}
	return nil
}

// quoteArg quotes a path for a shell when it needs it.
func quoteArg(s string) string {
	if strings.ContainsAny(s, " \t'\"$&|;<>()*?") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}
