package model

import (
	"strconv"
	"strings"
	"time"

	"farmhand/farm/availability"
)

// Job is one submission: a name, a job type with its settings, and the tasks the
// job type compiled from them. The task bulk lives in Task records; a Job keeps
// running counters so that reading a job never needs its tasks.
type Job struct {
	ID           string            `json:"id"`
	Name         string            `json:"name"`
	Type         string            `json:"type"`
	Priority     int               `json:"priority"`
	Status       JobStatus         `json:"status"`
	StatusReason string            `json:"status_reason,omitempty"`
	Settings     map[string]any    `json:"settings"`
	Metadata     map[string]string `json:"metadata"`
	RequiredTags []string          `json:"required_tags"`
	Submitter    string            `json:"submitter,omitempty"`
	// SubmitterID is the member that submitted the job; artists may act on
	// their own jobs only.
	SubmitterID string    `json:"submitter_id,omitempty"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
	// Seq is the submission order; it breaks ties between jobs submitted in the
	// same instant so that scheduling order is total and repeatable.
	Seq        uint64             `json:"seq"`
	TaskCount  int                `json:"task_count"`
	TaskCounts map[TaskStatus]int `json:"task_counts"`
	StepsTotal int                `json:"steps_total"`
	// StepsCompleted sums the completed steps of the job's tasks whose status
	// counts them (TaskStatus.CountsSteps: completed and running tasks), so
	// a failed job's progress shows what it finished, not what its failed
	// attempts did before failing (schema 7; earlier schemas counted every task).
	StepsCompleted int `json:"steps_completed"`
	// Blocklist holds the workers that failed too many of this job's tasks of
	// one type; they get no more of them.
	Blocklist []BlockEntry `json:"blocklist,omitempty"`
	// Failures counts, per worker and task type ("worker id/task type"), the
	// tasks of this job the worker failed; it feeds the blocklist.
	Failures map[string]int `json:"failures,omitempty"`
	// PythonOverrides are Python lines Blender runs after loading the file and
	// before rendering ("Edit RNA overrides"); editable after submission, and
	// a requeue renders with the new lines.
	PythonOverrides string `json:"python_overrides,omitempty"`
	// ETA is how many frames are done and left and when the job will be
	// done; TimePerFrame how long its frames took, overall and per worker.
	// The manager keeps both in the job record (see their types); nil until
	// the job first changes after its submission.
	ETA          *ETA          `json:"eta,omitempty"`
	TimePerFrame *TimePerFrame `json:"time_per_frame,omitempty"`
	// Storage is "upload" for a job whose files the manager holds (issue 13);
	// "" (or "shared") for one whose workers read the paths its settings name.
	Storage string `json:"storage,omitempty"`
	// FilesMissing is how many distinct files of an upload job the manager
	// still lacks; the job waits in JobWaitingForFiles while it is above 0.
	FilesMissing int `json:"files_missing,omitempty"`
	// OutputFolder is the folder on the manager's computer where an upload
	// job's workers send its output (absolute path).
	OutputFolder string `json:"output_folder,omitempty"`
	// AllowedActions is derived from Status by the API; the store never keeps it.
	AllowedActions []JobAction `json:"allowed_actions,omitempty"`
}

// BlockEntry keeps a worker away from one task type of one job.
type BlockEntry struct {
	WorkerID   string    `json:"worker_id"`
	WorkerName string    `json:"worker_name"`
	TaskType   string    `json:"task_type"`
	Since      time.Time `json:"since"`
}

// Blocked reports whether the job's blocklist keeps workerID from taskType.
func (j *Job) Blocked(workerID, taskType string) bool {
	for _, b := range j.Blocklist {
		if b.WorkerID == workerID && b.TaskType == taskType {
			return true
		}
	}
	return false
}

// Task is one unit of work for one worker: commands run in order.
type Task struct {
	ID       string     `json:"id"`
	JobID    string     `json:"job_id"`
	Index    int        `json:"index"`
	Name     string     `json:"name"`
	Type     string     `json:"type"`
	Priority int        `json:"priority"`
	Status   TaskStatus `json:"status"`
	Commands []Command  `json:"commands,omitempty"`
	// DependsOn holds indexes of tasks of the same job that must complete first.
	DependsOn      []int     `json:"depends_on,omitempty"`
	WorkerID       string    `json:"worker_id,omitempty"`
	FailedBy       []string  `json:"failed_by,omitempty"`
	Activity       string    `json:"activity,omitempty"`
	StepsTotal     int       `json:"steps_total"`
	StepsCompleted int       `json:"steps_completed"`
	Created        time.Time `json:"created"`
	Updated        time.Time `json:"updated"`
	// LastTouched is when the assigned worker last reported on this task.
	LastTouched time.Time `json:"last_touched,omitzero"`
	// Started is when the task's current (or last) run began: when it was
	// given to its worker. Zero if it never ran.
	Started        time.Time    `json:"started,omitzero"`
	AllowedActions []TaskAction `json:"allowed_actions,omitempty"`
}

// Command is one step of a task, run by the worker's command of that name.
type Command struct {
	Name       string         `json:"name"`
	Parameters map[string]any `json:"parameters"`
	// TotalSteps is how many progress steps the command reports; 0 counts as one
	// step reported when the command finishes.
	TotalSteps int `json:"total_steps,omitempty"`
}

// Steps is the number of progress steps the command contributes to its task.
func (c Command) Steps() int {
	if c.TotalSteps > 0 {
		return c.TotalSteps
	}
	return 1
}

// Worker is a machine that runs tasks.
type Worker struct {
	ID        string       `json:"id"`
	Name      string       `json:"name"`
	Platform  string       `json:"platform"`
	Version   string       `json:"version"`
	TaskTypes []string     `json:"task_types"`
	Tags      []string     `json:"tags"`
	Status    WorkerStatus `json:"status"`
	// StatusRequested is a status change asked for and not yet done; Lazy
	// means after the current task rather than at once.
	StatusRequested WorkerStatus `json:"status_requested,omitempty"`
	Lazy            bool         `json:"lazy,omitempty"`
	// SignOnStatus is the status the worker returns to when it signs on again:
	// a worker sent to sleep stays asleep across a restart.
	SignOnStatus WorkerStatus `json:"sign_on_status,omitempty"`
	// Renamed: an admin named this worker; its own name no longer applies.
	Renamed bool `json:"renamed,omitempty"`
	// Retagged: an admin set this worker's tags; the tags it signs on with
	// (its --tags) no longer apply.
	Retagged bool   `json:"retagged,omitempty"`
	Address  string `json:"address,omitempty"`
	// TaskID and TaskName are the task the worker runs, if any; see
	// SetTask and ClearTask, which keep them and TaskJobID together.
	TaskID   string `json:"task_id,omitempty"`
	TaskName string `json:"task_name,omitempty"`
	// TaskJobID is the job of TaskID, kept so that a lost worker's task can be
	// found without a scan.
	TaskJobID      string         `json:"task_job_id,omitempty"`
	LastSeen       time.Time      `json:"last_seen"`
	Registered     time.Time      `json:"registered"`
	AllowedActions []WorkerAction `json:"allowed_actions,omitempty"`
	// Stats is the computer's load as of its last heartbeat; kept in memory
	// only, it is absent after a manager restart until the next heartbeat.
	Stats *HostStats `json:"stats,omitempty"`
	// Blenders are the Blender installs the worker found or was given, as it
	// reported them at sign-on; a job's blender_version setting picks among them.
	Blenders []BlenderInstall `json:"blenders,omitempty"`
	// CyclesDevice is the Cycles device type the worker renders with (CPU,
	// CUDA, OPTIX, HIP, METAL, ONEAPI); empty leaves each file's own setting.
	CyclesDevice string `json:"cycles_device,omitempty"`
	// Availability is what the worker's availability rules said at its last
	// report (rule and until when); nil before it reported any.
	Availability *availability.Decision `json:"availability,omitempty"`
	// MACs are the hardware addresses of its interfaces that have IPv4 and
	// broadcast, as it last reported them: where Wake-on-LAN reaches it.
	MACs []string `json:"macs,omitempty"`
	// IdleUnreadable, as the worker last reported it, says why it cannot
	// read how long its computer has gone without input (a render node with
	// no display); empty when it can. An idle rule would keep such a worker
	// from ever rendering, so the manager refuses one.
	IdleUnreadable string `json:"idle_unreadable,omitempty"`
}

// BlenderInstall is one Blender program on a worker: its path there and the
// version it printed for `blender --version` ("4.1.1"; empty if unreadable).
type BlenderInstall struct {
	Path    string `json:"path"`
	Version string `json:"version"`
}

// SetTask records that the worker runs t.
func (w *Worker) SetTask(t *Task) { w.TaskID, w.TaskName, w.TaskJobID = t.ID, t.Name, t.JobID }

// ClearTask records that the worker runs no task.
func (w *Worker) ClearTask() { w.TaskID, w.TaskName, w.TaskJobID = "", "", "" }

// HasTags reports whether the worker carries every tag in want.
func (w *Worker) HasTags(want []string) bool {
	for _, t := range want {
		if !contains(w.Tags, t) {
			return false
		}
	}
	return true
}

// Supports reports whether the worker runs tasks of type taskType.
func (w *Worker) Supports(taskType string) bool { return contains(w.TaskTypes, taskType) }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// EventType names what an Event is about.
type EventType string

// Event types.
const (
	EventJob     EventType = "job"
	EventTask    EventType = "task"
	EventWorker  EventType = "worker"
	EventTaskLog EventType = "tasklog"
	// EventRendered: a job has a new last-rendered image (also the farm's).
	EventRendered EventType = "last-rendered"
	// EventWorkerLoad carries a worker's latest host stats (Load), at most
	// every few seconds per worker; the worker record itself is unchanged.
	EventWorkerLoad EventType = "worker-load"
	// EventMembers says that the farm's members changed (a join request, a
	// decision); it carries nothing, and admins fetch the members anew.
	EventMembers EventType = "members"
	// EventSettings carries the farm's settings (Settings) after an admin
	// changed them, as they now apply.
	EventSettings EventType = "settings"
	// EventLive is the first message of every event-stream connection: the
	// subscription is in place, so what a subscriber loads from now on misses
	// nothing. Subscribers load (or, after a reconnection, reload) on it.
	EventLive EventType = "live"
	// EventResync tells a subscriber that it missed events (it was too slow) and
	// should reload what it shows.
	EventResync EventType = "resync"
)

// Event is one message of the live event stream.
type Event struct {
	Type    EventType     `json:"type"`
	Job     *Job          `json:"job,omitempty"`
	Task    *Task         `json:"task,omitempty"`
	Worker  *Worker       `json:"worker,omitempty"`
	TaskLog *TaskLogChunk `json:"task_log,omitempty"`
	// Rendered is set on last-rendered events.
	Rendered *RenderedImage `json:"rendered,omitempty"`
	// Load is set on worker-load events.
	Load *WorkerLoad `json:"load,omitempty"`
	// Settings is set on settings events.
	Settings *Settings `json:"settings,omitempty"`
	// Deleted marks the job or worker as gone.
	Deleted bool `json:"deleted,omitempty"`
	// RefreshTasks says that many tasks of Job changed at once; rather than one
	// event per task, subscribers reload the job's task list.
	RefreshTasks bool `json:"refresh_tasks,omitempty"`
}

// WorkerLoad is one worker's latest host stats.
type WorkerLoad struct {
	WorkerID string     `json:"worker_id"`
	Stats    *HostStats `json:"stats"`
}

// TaskLogChunk is text appended to a task's log.
type TaskLogChunk struct {
	TaskID string `json:"task_id"`
	JobID  string `json:"job_id"`
	Text   string `json:"text"`
}

// TaskID returns the id of task number index of a job. Task ids carry their job
// and index, so that the store finds a task without an index of ids.
func TaskID(jobID string, index int) string { return jobID + "." + strconv.Itoa(index) }

// ParseTaskID splits a task id into its job id and index.
func ParseTaskID(id string) (jobID string, index int, ok bool) {
	dot := strings.LastIndexByte(id, '.')
	if dot <= 0 {
		return "", 0, false
	}
	index, err := strconv.Atoi(id[dot+1:])
	if err != nil || index < 0 || strconv.Itoa(index) != id[dot+1:] {
		return "", 0, false
	}
	return id[:dot], index, true
}

// Reason is one named reason why a task is not running, with a sentence for
// people; see the manager's Why.
type Reason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// WorkerVerdict says whether one worker would take the task now, and if not why.
type WorkerVerdict struct {
	WorkerID   string   `json:"worker_id"`
	WorkerName string   `json:"worker_name"`
	Status     string   `json:"status"`
	WouldRun   bool     `json:"would_run"`
	Reasons    []Reason `json:"reasons"`
}

// WhyReport answers "why isn't this task running?".
type WhyReport struct {
	TaskID  string          `json:"task_id"`
	Status  string          `json:"status"`
	Reasons []Reason        `json:"reasons"` // reasons that hold for every worker
	Workers []WorkerVerdict `json:"workers"`
}

// RenderedImage describes a job's last-rendered image.
type RenderedImage struct {
	JobID   string    `json:"job_id"`
	TaskID  string    `json:"task_id"`
	Width   int       `json:"width"`
	Height  int       `json:"height"`
	Updated time.Time `json:"updated"`
}

// Role is what a member of the farm may do.
type Role string

// Roles, from least to most.
const (
	// RoleWorker may only use the worker routes, as itself.
	RoleWorker Role = "worker"
	// RoleArtist may also submit jobs, see everything and act on its own jobs.
	RoleArtist Role = "artist"
	// RoleAdmin may do everything: act on anyone's jobs, manage workers, and
	// approve, reject and revoke members.
	RoleAdmin Role = "admin"
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool { return r == RoleWorker || r == RoleArtist || r == RoleAdmin }

// AtLeast reports whether r includes everything other may do.
func (r Role) AtLeast(other Role) bool { return r.rank() >= other.rank() }

func (r Role) rank() int {
	switch r {
	case RoleWorker:
		return 1
	case RoleArtist:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// MemberStatus is where a member's request to join stands.
type MemberStatus string

// Member statuses.
const (
	MemberPending  MemberStatus = "pending"
	MemberApproved MemberStatus = "approved"
	MemberRejected MemberStatus = "rejected"
	MemberRevoked  MemberStatus = "revoked"
)

// Member is a machine or person allowed (or asking) to use the farm: a worker,
// a workstation's windows, the Blender add-on, a TD's script. Each holds one
// token; the manager keeps only its hash.
type Member struct {
	ID       string       `json:"id"`
	Name     string       `json:"name"`
	Platform string       `json:"platform,omitempty"`
	Address  string       `json:"address,omitempty"`
	Role     Role         `json:"role"`
	Status   MemberStatus `json:"status"`
	// Wants is the role asked for when joining; Role is the one granted.
	Wants     Role      `json:"wants,omitempty"`
	Requested time.Time `json:"requested"`
	Decided   time.Time `json:"decided,omitzero"`
	// Note says why the manager decided by itself, e.g. that a join request
	// expired unanswered; empty for an admin's decisions.
	Note string `json:"note,omitempty"`
}

// HostStats is how busy a worker's computer is, sent with its heartbeats.
type HostStats struct {
	CPUPercent float64   `json:"cpu_percent"`
	MemUsedMB  uint64    `json:"mem_used_mb"`
	MemTotalMB uint64    `json:"mem_total_mb"`
	CPUs       int       `json:"cpus"`
	Sampled    time.Time `json:"sampled"`
	// GPUs are the graphics cards whose use could be read (nvidia-smi, or
	// the Linux amdgpu sysfs files); none readable leaves it empty, and then
	// no GPU use is shown rather than a made-up zero.
	GPUs []GPUStats `json:"gpus,omitempty"`
}

// HostSample is a worker's host stats over one step of its history (see the
// manager's History): the mean of the heartbeats that came in the Step
// seconds from Time. GPUPercent is the mean busy share of the readable cards,
// absent (nil) when the worker read none; GPU memory is summed over cards.
type HostSample struct {
	Time          time.Time `json:"time"`
	CPUPercent    float64   `json:"cpu_percent"`
	MemUsedMB     uint64    `json:"mem_used_mb"`
	MemTotalMB    uint64    `json:"mem_total_mb"`
	GPUPercent    *float64  `json:"gpu_percent,omitempty"`
	GPUMemUsedMB  uint64    `json:"gpu_mem_used_mb,omitempty"`
	GPUMemTotalMB uint64    `json:"gpu_mem_total_mb,omitempty"`
	// Heartbeats is how many heartbeats the sample is the mean of.
	Heartbeats int `json:"heartbeats"`
}

// HostHistory is a worker's host samples, oldest first, one per StepSeconds
// at most (steps without a heartbeat are missing, not zero).
type HostHistory struct {
	WorkerID    string       `json:"worker_id"`
	StepSeconds int          `json:"step_seconds"`
	Samples     []HostSample `json:"samples"`
}

// GPUStats is one graphics card's use. MemTotalMB is 0 when the card's memory
// could not be read (AMD's sysfs gives only the busy share on some cards).
type GPUStats struct {
	Name        string  `json:"name,omitempty"`
	BusyPercent float64 `json:"busy_percent"`
	MemUsedMB   uint64  `json:"mem_used_mb,omitempty"`
	MemTotalMB  uint64  `json:"mem_total_mb,omitempty"`
}
