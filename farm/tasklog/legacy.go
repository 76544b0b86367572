package tasklog

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"farmhand/farm/model"
)

// LegacyDir is where the first builds (farm schema 2 and early schema 3) kept
// task logs, one text file per task: <data>/logs/<job id>/<task id>.log. The
// farm's schema-3 migration (package store) renames the files of schema 2,
// named by the random task ids of the time, to the job-id.index ids of today.
const LegacyDir = "logs"

// bucketImported marks logs.db as holding the legacy files' text. A job id
// never starts with a NUL, so it cannot clash with a job's bucket.
var bucketImported = []byte("\x00imported-text-logs")

// importLegacy copies the legacy text logs in dataDir into db, each appended
// to its task's log as one chunk, in one transaction, then moves the folder aside to
// logs.imported-<UTC time> (kept, never deleted). A file whose name is not a
// task id of its folder's job is left in the folder set aside, with a warning.
// The marker bucket, written in the same transaction, makes an import that a
// crash interrupted before the move happen once only.
func importLegacy(db *bolt.DB, dataDir string, log *slog.Logger) error {
	dir := filepath.Join(dataDir, LegacyDir)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil
	}
	imported := 0
	err := db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketImported) != nil {
			return nil
		}
		jobs, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			if !j.IsDir() {
				continue
			}
			n, err := importJobLogs(tx, filepath.Join(dir, j.Name()), j.Name(), log)
			if err != nil {
				return err
			}
			imported += n
		}
		_, err = tx.CreateBucket(bucketImported)
		return err
	})
	if err != nil {
		return fmt.Errorf("importing the task logs of %s: %w", dir, err)
	}
	aside := fmt.Sprintf("%s.imported-%s", dir, time.Now().UTC().Format("20060102-150405"))
	if err := os.Rename(dir, aside); err != nil {
		return fmt.Errorf("moving imported task logs %s aside: %w", dir, err)
	}
	log.Info("task logs imported from text files", "tasks", imported, "files_kept_in", aside)
	return nil
}

// importJobLogs stores the log files of one job's folder; it returns how many.
func importJobLogs(tx *bolt.Tx, dir, jobID string, log *slog.Logger) (int, error) {
	files, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, f := range files {
		name, ok := strings.CutSuffix(f.Name(), ".log")
		job, index, idOK := model.ParseTaskID(name)
		if !ok || !idOK || job != jobID || f.IsDir() {
			log.Warn("a file in the old task-log folder is no task's log; left where it is", "file", filepath.Join(dir, f.Name()))
			continue
		}
		text, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			return n, err
		}
		if len(text) == 0 {
			continue
		}
		if err := appendBatch(tx, []entry{{jobID: jobID, index: index, text: string(text)}}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
