package wire

import "time"

// The bodies of the file routes (issue 13: rendering without shared
// storage). A file is named by the SHA-256 of its bytes, 64 lowercase hex
// digits; sizes and offsets are in bytes.

// Storage values of a job (SubmitJob.Storage, model.Job.Storage).
const (
	StorageShared = "shared" // the default: workers read the paths the settings name
	StorageUpload = "upload" // the manager holds the files; workers fetch them
)

// Headers of the file routes.
const (
	// ChunkSHA256Header carries the hex SHA-256 of one uploaded chunk.
	ChunkSHA256Header = "X-Chunk-Sha256"
	// ContentSHA256Header carries the hex SHA-256 of a whole uploaded output file.
	ContentSHA256Header = "X-Content-Sha256"
)

// Chunk sizes of uploads, in bytes: the most the manager takes in one PUT,
// and what the client sends.
const (
	MaxChunk     = 64 << 20
	DefaultChunk = 8 << 20
)

// MaxMissingEntries is the most files one POST /files/missing may ask about.
const MaxMissingEntries = 100_000

// JobFile is one input file of an upload job: Path is slash-separated and
// relative to the job's files root (see files.CleanPath).
type JobFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// FileRef names a stored file; Offset is how many of its bytes the manager
// already holds (where an upload resumes).
type FileRef struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	Offset int64  `json:"offset,omitempty"`
}

// MissingRequest asks which of Files the manager lacks.
type MissingRequest struct {
	Files []FileRef `json:"files"`
}

// MissingReply lists the files the manager lacks, each with its resume offset.
type MissingReply struct {
	Missing []FileRef `json:"missing"`
}

// ChunkReply answers an uploaded chunk: the bytes the manager now holds and
// whether the file is complete (and verified).
type ChunkReply struct {
	Offset   int64 `json:"offset"`
	Complete bool  `json:"complete"`
}

// OffsetError is the body of a 409 answer to a chunk sent at the wrong
// offset: Detail.Offset is where the upload must resume.
type OffsetError struct {
	Message string     `json:"message"`
	Detail  ChunkReply `json:"detail"`
}

// JobFiles is a job's input manifest.
type JobFiles struct {
	Storage string    `json:"storage"`
	Files   []JobFile `json:"files"`
}

// OutputFile is one file in a job's output folder on the manager.
type OutputFile struct {
	Path     string    `json:"path"`
	Size     int64     `json:"size"`
	SHA256   string    `json:"sha256"`
	Modified time.Time `json:"modified"`
}

// OutputList lists a job's output folder on the manager.
type OutputList struct {
	Folder string       `json:"folder"`
	Files  []OutputFile `json:"files"`
}

// OutputStored answers an uploaded output file.
type OutputStored struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
}
