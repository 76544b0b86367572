package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"farmhand/farm/model"
)

// SchemaVersion is the schema this build reads and writes.
const SchemaVersion = 7

// migrations[v] upgrades a database from schema version v to v+1. They all run in
// the one transaction that opens the database, so a failed upgrade leaves the
// file as it was.
var migrations = map[int]func(*bolt.Tx) error{
	1: addJobCounters,
	2: splitTaskCommands,
	3: workersBecomeMembers,
	4: addSettings,
	5: addFileBuckets,
	6: recountJobSteps,
}

// migrate brings db to SchemaVersion. A database of an earlier schema is
// first copied to an automatic backup beside it (backupBeforeMigrate), and not
// migrated when that fails; one of a later schema is refused with a
// *NewerSchemaError and left unchanged. A new, empty file gets the current
// layout without a backup.
func migrate(db *bolt.DB, now time.Time) error {
	var version int
	err := db.View(func(btx *bolt.Tx) error {
		var err error
		version, err = schemaOf(btx)
		return err
	})
	if err != nil {
		return err
	}
	if version > SchemaVersion {
		return &NewerSchemaError{Found: version, Known: SchemaVersion}
	}
	if version > 0 && version < SchemaVersion {
		path, err := backupBeforeMigrate(db, version, now)
		if err != nil {
			return err
		}
		slog.Info("backed up the database before migrating it", "from_schema", version, "to_schema", SchemaVersion, "backup", path)
	}
	return db.Update(func(btx *bolt.Tx) error {
		meta, err := btx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return fmt.Errorf("creating meta bucket: %w", err)
		}
		if version == 0 {
			// A new file: create the current layout directly.
			version = SchemaVersion
		}
		// A bucket added empty needs no migration: every open creates the
		// missing ones (audit came thus, within schema 5).
		for _, name := range [][]byte{bucketJobs, bucketTasks, bucketTaskCommands, bucketWorkers, bucketMembers, bucketTokens, bucketSettings, bucketAudit, bucketBlobs, bucketJobFiles} {
			if _, err := btx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("creating bucket %s: %w", name, err)
			}
		}
		for ; version < SchemaVersion; version++ {
			if err := migrations[version](btx); err != nil {
				return fmt.Errorf("upgrading schema %d to %d: %w", version, version+1, err)
			}
		}
		return meta.Put(keySchemaVersion, []byte(strconv.Itoa(SchemaVersion)))
	})
}

// addJobCounters (schema 1 → 2): jobs gained per-status task counters and step
// totals, kept up to date incrementally from then on. Schema 1 counted tasks on
// every read, which made a job's cost grow with its task count.
func addJobCounters(btx *bolt.Tx) error {
	tx := &Tx{btx: btx}
	var jobs []*model.Job
	if err := tx.Jobs(func(j *model.Job) bool { jobs = append(jobs, j); return true }); err != nil {
		return err
	}
	for _, j := range jobs {
		j.TaskCounts = map[model.TaskStatus]int{}
		j.TaskCount, j.StepsTotal, j.StepsCompleted = 0, 0, 0
		err := tx.Tasks(j.ID, func(t *model.Task) bool {
			j.TaskCount++
			j.TaskCounts[t.Status]++
			if t.StepsTotal == 0 {
				for _, c := range t.Commands {
					t.StepsTotal += c.Steps()
				}
			}
			j.StepsTotal += t.StepsTotal
			j.StepsCompleted += t.StepsCompleted
			return true
		})
		if err != nil {
			return fmt.Errorf("counting tasks of job %s: %w", j.ID, err)
		}
		if err := tx.PutJob(j); err != nil {
			return err
		}
	}
	return nil
}

// recountJobSteps (schema 6 → 7): a job's completed steps count only its
// completed and running tasks (model.TaskStatus.CountsSteps); before, the
// steps a failed or canceled task had done stayed in, so a failed job could
// show 80% done beside one frame of four. Jobs whose tasks are gone (archived)
// keep their count: there is nothing left to recount it from.
func recountJobSteps(btx *bolt.Tx) error {
	tx := &Tx{btx: btx}
	var jobs []*model.Job
	if err := tx.Jobs(func(j *model.Job) bool { jobs = append(jobs, j); return true }); err != nil {
		return err
	}
	for _, j := range jobs {
		steps, tasks := 0, 0
		err := tx.Tasks(j.ID, func(t *model.Task) bool {
			tasks++
			if t.Status.CountsSteps() {
				steps += t.StepsCompleted
			}
			return true
		})
		if err != nil {
			return fmt.Errorf("recounting the steps of job %s: %w", j.ID, err)
		}
		if tasks == 0 || steps == j.StepsCompleted {
			continue
		}
		j.StepsCompleted = steps
		if err := tx.PutJob(j); err != nil {
			return err
		}
	}
	return nil
}

// splitTaskCommands (schema 2 → 3): commands move to their own bucket, so that
// the task records rewritten on every status change and read by task lists stay
// small; and task ids become job id + index, which drops the task_ids bucket
// and its random-order inserts at submission. The task-log files of the time,
// named by task id, are renamed to the new ids (renameLegacyLog).
func splitTaskCommands(btx *bolt.Tx) error {
	logDir := filepath.Join(filepath.Dir(btx.DB().Path()), "logs")
	tasks := btx.Bucket(bucketTasks)
	commands := btx.Bucket(bucketTaskCommands)
	c := tasks.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var t model.Task
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("decoding task %x: %w", k, err)
		}
		cmds, err := json.Marshal(t.Commands)
		if err != nil {
			return err
		}
		if err := commands.Put(k, cmds); err != nil {
			return fmt.Errorf("storing commands of task %s: %w", t.ID, err)
		}
		oldID := t.ID
		t.ID = model.TaskID(t.JobID, t.Index)
		if err := renameLegacyLog(logDir, t.JobID, oldID, t.ID); err != nil {
			return err
		}
		t.Commands = nil
		nv, err := json.Marshal(&t)
		if err != nil {
			return err
		}
		// Overwriting the current key keeps the cursor valid.
		if err := tasks.Put(k, nv); err != nil {
			return fmt.Errorf("storing task %s: %w", t.ID, err)
		}
	}
	if btx.Bucket(bucketTaskIDs) != nil {
		if err := btx.DeleteBucket(bucketTaskIDs); err != nil {
			return fmt.Errorf("dropping task_ids: %w", err)
		}
	}
	return nil
}

// renameLegacyLog renames a task's log file of the first builds,
// <logDir>/<job id>/<task id>.log, from the task's schema-2 id to its new one,
// so that package tasklog imports it under the right task. The rename happens
// before the migration commits; should the migration then fail, a retry finds
// the file already under the new name, which is what it wants.
func renameLegacyLog(logDir, jobID, oldID, newID string) error {
	// Those builds made ids safe as file names thus.
	safe := strings.NewReplacer("/", "_", "\\", "_", "..", "_").Replace
	from := filepath.Join(logDir, safe(jobID), safe(oldID)+".log")
	to := filepath.Join(logDir, safe(jobID), safe(newID)+".log")
	if oldID == newID {
		return nil
	}
	if err := os.Rename(from, to); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("renaming the log of task %s to %s: %w", oldID, newID, err)
	}
	return nil
}

// workersBecomeMembers (schema 3 → 4): every route now needs a token, and
// tokens belong to members, of which workers are one kind. Each worker's token
// hash moves from worker_tokens (by worker id) to tokens (by hash), so a token
// alone finds its member; the worker becomes an approved member with the
// worker role and keeps its token.
func workersBecomeMembers(btx *bolt.Tx) error {
	old := btx.Bucket(bucketWorkerTokens)
	if old == nil {
		return nil
	}
	tx := &Tx{btx: btx}
	err := old.ForEach(func(id, hash []byte) error {
		w, err := tx.Worker(string(id))
		if err != nil {
			return fmt.Errorf("worker of token %s: %w", id, err)
		}
		m := &model.Member{ID: w.ID, Name: w.Name, Platform: w.Platform, Address: w.Address, Role: model.RoleWorker,
			Status: model.MemberApproved, Requested: w.Registered, Decided: w.Registered}
		if err := tx.PutMember(m); err != nil {
			return err
		}
		return btx.Bucket(bucketTokens).Put(hash, id)
	})
	if err != nil {
		return err
	}
	return btx.DeleteBucket(bucketWorkerTokens)
}

// addSettings (schema 4 → 5): the farm's settings, command-line flags until
// then, are kept in the database. An existing farm gets the default settings;
// a flag its manager is started with still overrides one for that run. A new
// database gets no record here: its manager's first start stores the flags'
// values (see Tx.Settings).
func addSettings(btx *bolt.Tx) error {
	tx := &Tx{btx: btx}
	if _, err := tx.Settings(); err == nil {
		return nil
	}
	s := model.DefaultSettings()
	return tx.PutSettings(&s)
}
