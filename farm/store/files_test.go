package store_test

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"farmhand/farm/store"
)

// TestSchema5GainsFileBuckets migrates the data directory schema 5's build
// left (testdata/schema5) and stores and reads back a blob and a manifest in
// the buckets schema 6 added (issue 13).
func TestSchema5GainsFileBuckets(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, filepath.Join("testdata", "schema5"), dir)
	s, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sha := "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	blob := &store.Blob{Size: 4, Refs: 2, Complete: true, Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	man := &store.JobUpload{Files: []store.ManifestEntry{{Path: "shots/a.blend", SHA256: sha, Size: 4}}, Paused: true}
	out := store.OutputEntry{Size: 9, SHA256: sha, Modified: blob.Created}
	err = s.Update(func(tx *store.Tx) error {
		n := 0
		if err := tx.Blobs(func(string, *store.Blob) bool { n++; return true }); err != nil || n != 0 {
			t.Errorf("a migrated farm has %d blobs (%v); want none", n, err)
		}
		if err := tx.PutBlob(sha, blob); err != nil {
			return err
		}
		if err := tx.PutOutput("job-1", "frames/0001.png", out); err != nil {
			return err
		}
		return tx.PutJobUpload("job-1", man)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(func(tx *store.Tx) error {
		got, err := tx.Blob(sha)
		if err != nil || !reflect.DeepEqual(got, blob) {
			t.Errorf("Blob = %+v, %v; want %+v", got, err, blob)
		}
		gotMan, err := tx.JobUpload("job-1")
		if err != nil || !reflect.DeepEqual(gotMan, man) {
			t.Errorf("JobUpload = %+v, %v; want %+v", gotMan, err, man)
		}
		var ids []string
		tx.JobUploadIDs(func(id string) bool { ids = append(ids, id); return true })
		if !reflect.DeepEqual(ids, []string{"job-1"}) {
			t.Errorf("JobUploadIDs = %v; want [job-1] (output entries are not records)", ids)
		}
		var outs []string
		_ = tx.Outputs("job-1", func(p string, e store.OutputEntry) bool {
			outs = append(outs, p)
			if e != out {
				t.Errorf("output entry %+v; want %+v", e, out)
			}
			return true
		})
		if !reflect.DeepEqual(outs, []string{"frames/0001.png"}) {
			t.Errorf("Outputs = %v", outs)
		}
		if none, err := tx.Blob("00"); none != nil || err != nil {
			t.Errorf("Blob of an unknown hash = %+v, %v; want nil, nil", none, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
