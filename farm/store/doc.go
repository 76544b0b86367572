// Package store keeps the farm's state in one bbolt file: jobs, tasks and workers.
//
// Every state change is one transaction. Writers are group-committed: while one
// transaction is being written to disk, the next writers queue up and then share
// one transaction and one fsync, so throughput grows with concurrency instead of
// being capped at one fsync per update. Side effects that must only happen once a
// change is durable (updating in-memory indexes, publishing events) are registered
// with Tx.OnCommit and run in commit order.
//
// Layout (schema version 5):
//
//	meta          "schema_version" → decimal string; "farm_id" → the farm's id
//	jobs          job id → JSON model.Job (with task counters)
//	tasks         job id + "/" + big-endian uint32 index → JSON model.Task without commands
//	task_commands same key → JSON []model.Command (written once, at submission)
//	workers       worker id → JSON model.Worker
//	members       member id → JSON model.Member (workers, workstations, add-ons, scripts)
//	tokens        SHA-256 of a member's token → member id
//	settings      "farm" → JSON model.Settings (one record, with its own layout version)
//	audit         big-endian Unix nanoseconds + sequence number → JSON model.AuditEntry
//	              (bounded: the oldest go as new ones come; meta "audit_count" counts them)
//
// A task's id is its job's id and its index (model.TaskID), so finding a task
// by id needs no index of its own.
//
// Upgrades: Open migrates an older database in one transaction, after writing a
// consistent copy of it beside it (farmhand.db.backup-schema<N>-<UTC time>;
// the last BackupsKept are kept); when that copy cannot be written nothing is
// migrated. A database of a newer schema is refused (NewerSchemaError) and left
// alone. Backups are taken only when a migration runs: a farm whose schema
// does not change is not copied at every start. Backup, BackupFile and Restore
// serve 'farmhand backup' and 'farmhand restore'. testdata holds a database
// of every earlier schema, written by the builds of the time.
package store
