package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The records of rendering without shared storage (issue 13, schema 6):
// blobs (stored files named by their SHA-256) with the number of jobs whose
// manifest names each, and each upload job's manifest.

var (
	bucketBlobs    = []byte("blobs")
	bucketJobFiles = []byte("jobfiles")
)

// Blob is the record of one stored file, keyed by its SHA-256 (64 lowercase
// hex digits). Size is in bytes; Refs is the number of jobs (not archived,
// not deleted) whose manifest names it; Complete is true once all its bytes
// are on disk and verified.
type Blob struct {
	Size     int64     `json:"size"`
	Refs     int       `json:"refs"`
	Complete bool      `json:"complete"`
	Created  time.Time `json:"created"`
	// Waiting are the jobs that were submitted while the file was missing,
	// by id; a completed upload moves on those still waiting for files.
	Waiting []string `json:"waiting,omitempty"`
}

// JobUpload is what the store keeps of an upload job besides the job record:
// its manifest, whether it goes to paused rather than queued once its files
// are in (it was submitted paused), and whether its blobs' references were
// released (the job was archived; a deleted job's record goes).
type JobUpload struct {
	Files    []ManifestEntry `json:"files"`
	Paused   bool            `json:"paused,omitempty"`
	Released bool            `json:"released,omitempty"`
}

// OutputEntry is one file of an upload job's output folder, as the worker
// that sent it declared and the manager verified: size in bytes, SHA-256,
// when it arrived.
type OutputEntry struct {
	Size     int64     `json:"size"`
	SHA256   string    `json:"sha256"`
	Modified time.Time `json:"modified"`
}

// ManifestEntry is one input file of an upload job: a slash-separated path
// relative to the job's files root (checked by files.CleanPath before it is
// stored), the file's SHA-256 and its size in bytes.
type ManifestEntry struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Blob returns the record of the file with hash sha, or nil when there is none.
func (tx *Tx) Blob(sha string) (*Blob, error) {
	v := tx.btx.Bucket(bucketBlobs).Get([]byte(sha))
	if v == nil {
		return nil, nil
	}
	var b Blob
	if err := json.Unmarshal(v, &b); err != nil {
		return nil, fmt.Errorf("decoding blob %s: %w", sha, err)
	}
	return &b, nil
}

// PutBlob stores the record of the file with hash sha.
func (tx *Tx) PutBlob(sha string, b *Blob) error {
	v, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("encoding blob %s: %w", sha, err)
	}
	if err := tx.btx.Bucket(bucketBlobs).Put([]byte(sha), v); err != nil {
		return fmt.Errorf("storing blob %s: %w", sha, err)
	}
	return nil
}

// DeleteBlob removes the record of the file with hash sha (not its bytes).
func (tx *Tx) DeleteBlob(sha string) error {
	if err := tx.btx.Bucket(bucketBlobs).Delete([]byte(sha)); err != nil {
		return fmt.Errorf("deleting blob %s: %w", sha, err)
	}
	return nil
}

// Blobs calls fn for every blob record, in hash order, until fn returns false.
func (tx *Tx) Blobs(fn func(sha string, b *Blob) bool) error {
	c := tx.btx.Bucket(bucketBlobs).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var b Blob
		if err := json.Unmarshal(v, &b); err != nil {
			return fmt.Errorf("decoding blob %s: %w", k, err)
		}
		if !fn(string(k), &b) {
			return nil
		}
	}
	return nil
}

// JobUpload returns the upload record of a job; nil for a job without one.
func (tx *Tx) JobUpload(jobID string) (*JobUpload, error) {
	v := tx.btx.Bucket(bucketJobFiles).Get([]byte(jobID))
	if v == nil {
		return nil, nil
	}
	var u JobUpload
	if err := json.Unmarshal(v, &u); err != nil {
		return nil, fmt.Errorf("decoding the files of job %s: %w", jobID, err)
	}
	return &u, nil
}

// PutJobUpload stores the upload record of a job.
func (tx *Tx) PutJobUpload(jobID string, u *JobUpload) error {
	v, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("encoding the files of job %s: %w", jobID, err)
	}
	if err := tx.btx.Bucket(bucketJobFiles).Put([]byte(jobID), v); err != nil {
		return fmt.Errorf("storing the files of job %s: %w", jobID, err)
	}
	return nil
}

// JobUploadIDs calls fn with every job id that has an upload record, in id
// order, until fn returns false, without reading the records: the manager
// reads JobUpload (a whole manifest) only of the few jobs it needs.
func (tx *Tx) JobUploadIDs(fn func(jobID string) bool) {
	c := tx.btx.Bucket(bucketJobFiles).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if bytes.IndexByte(k, outputSep) >= 0 {
			continue // an output entry
		}
		if !fn(string(k)) {
			return
		}
	}
}

// outputSep separates a job id from an output path in the keys of output
// entries, which share the jobfiles bucket with the records (a NUL is in
// neither an id nor a clean path).
const outputSep = 0

func outputKey(jobID, path string) []byte {
	return append(append([]byte(jobID), outputSep), path...)
}

// PutOutput records one output file of a job (path as files.CleanPath passed it).
func (tx *Tx) PutOutput(jobID, path string, e OutputEntry) error {
	v, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encoding output %s of job %s: %w", path, jobID, err)
	}
	if err := tx.btx.Bucket(bucketJobFiles).Put(outputKey(jobID, path), v); err != nil {
		return fmt.Errorf("storing output %s of job %s: %w", path, jobID, err)
	}
	return nil
}

// Outputs calls fn with every output file recorded for a job, in path order.
func (tx *Tx) Outputs(jobID string, fn func(path string, e OutputEntry) bool) error {
	prefix := outputKey(jobID, "")
	c := tx.btx.Bucket(bucketJobFiles).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var e OutputEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("decoding output %s of job %s: %w", k[len(prefix):], jobID, err)
		}
		if !fn(string(k[len(prefix):]), e) {
			return nil
		}
	}
	return nil
}

// DeleteJobUpload removes a job's upload record and its output entries
// (none is no error).
func (tx *Tx) DeleteJobUpload(jobID string) error {
	b := tx.btx.Bucket(bucketJobFiles)
	prefix := outputKey(jobID, "")
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	keys = append(keys, []byte(jobID))
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("deleting the files of job %s: %w", jobID, err)
		}
	}
	return nil
}

// addFileBuckets (schema 5 → 6): upload jobs keep their manifests and the
// farm its blobs' reference counts. The buckets start empty (every open
// creates them); the version goes up so that an older build, which would
// delete jobs without dropping their references, refuses the database.
func addFileBuckets(btx *bolt.Tx) error {
	for _, name := range [][]byte{bucketBlobs, bucketJobFiles} {
		if _, err := btx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("creating bucket %s: %w", name, err)
		}
	}
	return nil
}
