package api_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"farmhand/farm/api/client"
	"farmhand/farm/store"
)

// getBackup (issue 15) joins the table of operations_test.go from here.
func init() {
	operations = append(operations, struct {
		id  string
		run func(*testing.T, *opFarm)
	}{"getBackup", testGetBackup})
}

// An admin gets the farm's database as a file restore takes, with the jobs
// in it; a worker and a caller without a token get nothing.
func testGetBackup(t *testing.T, f *opFarm) {
	job, _ := f.job()
	var buf bytes.Buffer
	n, err := f.cl.Backup(f.ctx, &buf)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("backup: %d bytes, %v", n, err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, store.FileName), buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if v, err := store.Inspect(filepath.Join(dir, store.FileName)); err != nil || v != store.SchemaVersion {
		t.Fatalf("the copy: schema %d, %v", v, err)
	}
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.View(func(tx *store.Tx) error { _, err := tx.Job(job.ID); return err }); err != nil {
		t.Errorf("the copy lacks job %s: %v", job.ID, err)
	}
	w := f.join("box")
	for _, c := range []struct {
		cl   *client.Client
		want int
	}{{w.cl, 403}, {f.anon, 401}} {
		if _, err := c.cl.Backup(f.ctx, &buf); client.StatusOf(err) != c.want {
			t.Errorf("backup by a non-admin: %v, want %d", err, c.want)
		}
	}
}
