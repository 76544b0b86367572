package store

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"farmhand/farm/model"
)

// A new database has no settings until the manager stores its first; what is
// stored comes back after reopening, stamped with the layout version.
func TestSettingsSurviveReopening(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(func(tx *Tx) error { _, err := tx.Settings(); return err })
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("new database's settings: %v, want ErrNotFound", err)
	}
	want := model.DefaultSettings()
	want.Version = 0
	want.TaskTimeout = model.Duration(15 * time.Minute)
	want.Variables = []model.Variable{{Name: "projects", Storage: true,
		Values: map[string]string{model.PlatformLinux: "/mnt/projects", model.PlatformWindows: `P:\`}}}
	if err := s.Update(func(tx *Tx) error { return tx.PutSettings(&want) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.View(func(tx *Tx) error {
		got, err := tx.Settings()
		if err != nil {
			return err
		}
		if got.Version != model.SettingsVersion || !reflect.DeepEqual(*got, want) {
			t.Errorf("settings after reopening:\n%+v\nwant\n%+v", *got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A database of the newest schema before settings (4) gets the default
// settings; one whose record is already there keeps it.
func TestMigrateSchema4AddsDefaultSettings(t *testing.T) {
	dir := t.TempDir()
	boltUpdate(t, filepath.Join(dir, FileName), func(btx *bolt.Tx) error {
		return createSchema(btx, 4, bucketJobs, bucketTasks, bucketTaskCommands, bucketWorkers, bucketMembers, bucketTokens)
	})
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.View(func(tx *Tx) error {
		got, err := tx.Settings()
		if err != nil {
			return err
		}
		want := model.DefaultSettings()
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("migrated settings %+v, want the defaults %+v", *got, want)
		}
		if err := got.Validate(); err != nil {
			t.Errorf("the default settings do not validate: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A record written by a newer Farmhand is refused, not half read.
func TestNewerSettingsLayoutIsRefused(t *testing.T) {
	s := openTemp(t)
	err := s.Update(func(tx *Tx) error {
		return tx.btx.Bucket(bucketSettings).Put(keySettings, []byte(`{"version": 99, "farm_name": "x"}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(func(tx *Tx) error { _, err := tx.Settings(); return err })
	if err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("a layout-99 record read as %v", err)
	}
}
