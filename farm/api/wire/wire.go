// Package wire holds the request and response bodies of the Farmhand API that
// are not domain records themselves. The server and the client both use it; the
// OpenAPI document (farm/api/openapi.yaml) describes the same shapes, and the
// API tests check every exchange against that document.
package wire

import "farmhand/farm/model"

// APIVersion is the version of this API. A client refuses a manager whose major
// API version differs.
const APIVersion = 1

// APIVersionHeader carries the API version a client speaks; the manager
// refuses another version with a message that says which it needs.
const APIVersionHeader = "Farmhand-API-Version"

// Error is every error answer.
type Error struct {
	Message        string   `json:"message"`
	AllowedActions []string `json:"allowed_actions,omitempty"`
}

// Version identifies a manager.
type Version struct {
	Name       string `json:"name"`
	Version    string `json:"version"`
	APIVersion int    `json:"api_version"`
	ManagerID  string `json:"manager_id"`
	// FarmName is the farm's name, as discovery announces it.
	FarmName string `json:"farm_name,omitempty"`
	// Fingerprint is the manager's TLS certificate fingerprint (see package
	// trust); empty when it serves no TLS.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// FarmStatus counts jobs and workers by status.
type FarmStatus struct {
	Jobs    map[string]int `json:"jobs"`
	Workers map[string]int `json:"workers"`
}

// JobList is the answer of listJobs.
type JobList struct {
	Jobs []*model.Job `json:"jobs"`
}

// TaskList is the answer of listJobTasks and applyTaskAction.
type TaskList struct {
	Tasks []*model.Task `json:"tasks"`
}

// WorkerList is the answer of listWorkers.
type WorkerList struct {
	Workers []*model.Worker `json:"workers"`
}

// SubmitJob is a job submission.
type SubmitJob struct {
	Name         string            `json:"name"`
	Type         string            `json:"type"`
	Priority     *int              `json:"priority,omitempty"`
	Settings     map[string]any    `json:"settings,omitempty"`
	Metadata     map[string]string `json:"metadata,omitempty"`
	RequiredTags []string          `json:"required_tags,omitempty"`
	Submitter    string            `json:"submitter,omitempty"`
	// PythonOverrides are Python lines Blender runs before rendering.
	PythonOverrides string `json:"python_overrides,omitempty"`
	// TypeEtag is the job type's etag as the submitter last fetched it.
	TypeEtag string `json:"type_etag,omitempty"`
	// Paused stores the job paused with all its tasks paused; a resume
	// queues them.
	Paused bool `json:"paused,omitempty"`
	// SubmitterPlatform is the platform whose path syntax the settings use
	// (linux, windows or darwin): paths under a path variable's value there
	// are stored as {name}/… and expanded for each worker's platform.
	SubmitterPlatform string `json:"submitter_platform,omitempty"`
	// Storage is StorageUpload for a job whose Files the submitter uploads
	// (POST /files/missing, PUT /files/{sha256}); "" or StorageShared for
	// one whose workers read the paths its settings name.
	Storage string    `json:"storage,omitempty"`
	Files   []JobFile `json:"files,omitempty"`
}

// JobChange edits a job; absent fields stay.
type JobChange struct {
	PythonOverrides *string `json:"python_overrides,omitempty"`
}

// JobActionRequest asks for a job action.
type JobActionRequest struct {
	Action   model.JobAction `json:"action"`
	Priority *int            `json:"priority,omitempty"`
}

// JobActionsRequest asks for one action on several jobs, all or nothing
// (priority: 0–100, for set-priority only).
type JobActionsRequest struct {
	Action   model.JobAction `json:"action"`
	JobIDs   []string        `json:"job_ids"`
	Priority *int            `json:"priority,omitempty"`
}

// TaskActionRequest asks for one action on several tasks, all or nothing.
type TaskActionRequest struct {
	Action  model.TaskAction `json:"action"`
	TaskIDs []string         `json:"task_ids"`
}

// JobSetting and EvalInfo are the job-type settings' declaration, owned by
// the domain (model.JobSetting): the wire carries it as it is.
type (
	JobSetting = model.JobSetting
	EvalInfo   = model.EvalInfo
)

// JobType is one kind of job a manager offers.
type JobType struct {
	Name        string       `json:"name"`
	Label       string       `json:"label"`
	Description string       `json:"description,omitempty"`
	Settings    []JobSetting `json:"settings"`
	// Etag changes whenever the job type's declaration does; a submission
	// naming an older one is refused (412).
	Etag string `json:"etag"`
	// Source is built-in, custom or customised (a script overriding a built-in).
	Source string `json:"source"`
}

// JobTypeProblem is a job-type script that could not be loaded.
type JobTypeProblem struct {
	Name  string `json:"name"`
	File  string `json:"file"`
	Error string `json:"error"`
}

// JobTypeList is the answer of listJobTypes.
type JobTypeList struct {
	JobTypes []JobType        `json:"job_types"`
	Problems []JobTypeProblem `json:"problems,omitempty"`
}

// Exported answers a job-type export: where the script was written.
type Exported struct {
	Path string `json:"path"`
}

// WorkerRegistration is what a worker says about itself when it signs on.
type WorkerRegistration struct {
	Name      string   `json:"name"`
	Platform  string   `json:"platform"`
	Version   string   `json:"version"`
	TaskTypes []string `json:"task_types"`
	Tags      []string `json:"tags,omitempty"`
	// Blenders and CyclesDevice are the worker's render setup (see
	// model.Worker).
	Blenders     []model.BlenderInstall `json:"blenders,omitempty"`
	CyclesDevice string                 `json:"cycles_device,omitempty"`
}

// Heartbeat is a worker's sign of life.
type Heartbeat struct {
	TaskID string           `json:"task_id,omitempty"`
	Stats  *model.HostStats `json:"stats,omitempty"`
}

// HeartbeatReply says whether the worker's task may go on, and what status
// change is asked of the worker.
type HeartbeatReply struct {
	Status          model.WorkerStatus `json:"status"`
	StatusRequested model.WorkerStatus `json:"status_requested,omitempty"`
	Lazy            bool               `json:"lazy,omitempty"`
	MayKeepRunning  bool               `json:"may_keep_running"`
	Reason          string             `json:"reason,omitempty"`
}

// AssignedJob is what a worker needs to know of a task's job.
type AssignedJob struct {
	ID       string         `json:"id"`
	Name     string         `json:"name"`
	Type     string         `json:"type"`
	Priority int            `json:"priority"`
	Settings map[string]any `json:"settings,omitempty"`
	// Storage is "upload" for a job whose files the manager holds (the worker
	// fetches them and puts its folders in for {job_files} and {job_output});
	// "" or "shared" for paths every worker sees.
	Storage string `json:"storage,omitempty"`
}

// AssignedTask is a task handed to a worker.
type AssignedTask struct {
	Task *model.Task  `json:"task"`
	Job  *AssignedJob `json:"job"`
}

// TaskUpdate is a worker's report on its task.
type TaskUpdate struct {
	Status         model.TaskReport `json:"status,omitempty"`
	StepsCompleted *int             `json:"steps_completed,omitempty"`
	Activity       string           `json:"activity,omitempty"`
	Log            string           `json:"log,omitempty"`
}

// TaskUpdateReply answers a task update.
type TaskUpdateReply struct {
	MayKeepRunning bool   `json:"may_keep_running"`
	Reason         string `json:"reason,omitempty"`
}

// WorkerActionRequest asks for a worker action.
type WorkerActionRequest struct {
	Action model.WorkerAction `json:"action"`
	Now    bool               `json:"now,omitempty"`
}

// WorkerChange renames a worker or replaces its tags; absent fields stay.
type WorkerChange struct {
	Name *string   `json:"name,omitempty"`
	Tags *[]string `json:"tags,omitempty"`
}

// WorkerStatusReport is a worker telling the manager its new status.
type WorkerStatusReport struct {
	Status model.WorkerStatus `json:"status"`
}

// StatusChange is the status change asked of a worker (the 423 answer to its
// request for work).
type StatusChange struct {
	StatusRequested model.WorkerStatus `json:"status_requested"`
	Lazy            bool               `json:"lazy"`
}

// Blocklist is a job's blocklist.
type Blocklist struct {
	Blocklist []model.BlockEntry `json:"blocklist"`
}

// JoinRequest asks to become a member of the farm.
type JoinRequest struct {
	Name     string     `json:"name"`
	Platform string     `json:"platform,omitempty"`
	Wants    model.Role `json:"wants,omitempty"`
	JoinCode string     `json:"join_code,omitempty"`
}

// Joined answers a join request: the token works once the member is approved.
type Joined struct {
	Member *model.Member `json:"member"`
	Token  string        `json:"token"`
}

// MemberList lists members.
type MemberList struct {
	Members []*model.Member `json:"members"`
}

// ApproveRequest approves a member with a role.
type ApproveRequest struct {
	Role model.Role `json:"role"`
}

// JoinCode is the farm's join code as people type it: the secret digits and,
// with TLS, the start of the manager's fingerprint (see trust.JoinCode).
type JoinCode struct {
	Code string `json:"code"`
	// Fingerprint is the manager's whole certificate fingerprint.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// FarmConfig is the farm's settings as they apply now (stored in the
// manager's database, edited by admins; a command-line flag may override one
// for the manager's run, see Overridden), with where the manager keeps its
// data. Durations are Go duration text ("10m0s"). NewFarmConfig fills it.
type FarmConfig struct {
	// Fingerprint is the manager's TLS certificate fingerprint, for people
	// to compare with what a new client shows.
	Fingerprint        string  `json:"fingerprint,omitempty"`
	DataDir            string  `json:"data_dir"`
	ScriptsDir         string  `json:"scripts_dir"`
	FarmName           string  `json:"farm_name"`
	WorkerTimeout      string  `json:"worker_timeout"`
	TaskTimeout        string  `json:"task_timeout"`
	BlocklistThreshold int     `json:"blocklist_threshold"`
	MaxTaskFailures    int     `json:"max_task_failures"`
	FailThreshold      float64 `json:"fail_threshold"`
	ForgetWorkersAfter string  `json:"forget_workers_after"`
	// MaxFileSize and MaxJobSize are the upload limits in bytes as they
	// apply (the defaults when the settings hold 0): per uploaded file, and
	// per upload job's inputs (and outputs) together.
	MaxFileSize int64 `json:"max_file_size"`
	MaxJobSize  int64 `json:"max_job_size"`
	// UploadTimeout is how long an upload job waits for a chunk of its
	// files before the manager cancels it, as it applies (24h0m0s when the
	// settings hold 0).
	UploadTimeout string `json:"upload_timeout"`
	// DeleteJobsAfter is how long an ended job is kept unchanged before the
	// manager deletes it; "0s" keeps every job (the default).
	DeleteJobsAfter string `json:"delete_jobs_after"`
	// Variables are the path variables, storage locations among them, by name.
	Variables []model.Variable `json:"variables"`
	// Overridden names the settings (by their JSON names) that a command-line
	// flag overrides for this run of the manager only.
	Overridden []string `json:"overridden,omitempty"`
}
