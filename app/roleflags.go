package app

// The flags of the roles: the manager's, the worker's, and --task-type.

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"time"

	"farmhand/farm/files"
	"farmhand/farm/jobtype"
	"farmhand/farm/manager"
	"farmhand/farm/model"
	"farmhand/farm/worker"
)

type managerFlags struct {
	data          *string
	listen        *string
	workerTimeout *time.Duration
	taskTimeout   *time.Duration
	blocklist     *int
	taskFailures  *int
	failShare     *float64
	forgetAfter   *time.Duration
	scriptsDir    *string
	headless      *bool
	farmName      *string
	discovery     *discoveryFlags
	allowPlain    *bool
	fs            *flagSet // to tell which flags were given (see farmSettings)
}

func addManagerFlags(e *env, name, synopsis string) (*managerFlags, *flagSet) {
	fs := &flagSet{newFlags(e, name, synopsis)}
	return &managerFlags{
		fs:            fs,
		farmName:      fs.String("farm-name", model.DefaultFarmName(), "the farm's name, as workers and windows list it"+settingNote),
		discovery:     addDiscoveryFlags(fs),
		data:          fs.String("data", defaultDataDir(), "data directory (database, task logs, credentials)"),
		listen:        fs.String("listen", ":"+DefaultPort, "address the manager's API listens on"),
		workerTimeout: fs.Duration("worker-timeout", manager.DefaultWorkerTimeout, "a worker silent this long is lost and its task requeued"+settingNote),
		taskTimeout: fs.Duration("task-timeout", manager.DefaultTaskTimeout, "a running task its worker stops reporting on (in heartbeats, "+
			"logs or progress) this long counts as failed by that worker; a quiet process whose worker heartbeats lives on "+
			"(use the job setting max_task_duration to bound one task)"+settingNote),
		blocklist:    fs.Int("blocklist-threshold", manager.DefaultBlocklistThreshold, "failed tasks of one type of one job that blocklist a worker for them"+settingNote),
		taskFailures: fs.Int("max-task-failures", manager.DefaultMaxTaskFailures, "distinct workers that may fail a task before it fails for good"+settingNote),
		failShare:    fs.Float64("fail-threshold", model.DefaultFailThreshold, "share of failed tasks (0–1) above which a job fails"+settingNote),
		forgetAfter:  fs.Duration("forget-workers-after", manager.DefaultForgetAfter, "delete workers offline this long (0 keeps them)"+settingNote),
		scriptsDir:   fs.String("scripts-dir", "", "folder of custom job-type scripts (default: scripts in the data directory)"+settingNote),
		headless:     fs.Bool("headless", false, "never open windows, even with a display"),
		allowPlain: fs.Bool("allow-plain-http", false, "also serve plain HTTP to other computers (tokens then cross the network "+
			"readable by anyone on it); without it plain HTTP is served to this computer only and others must use https"),
	}, fs
}

type workerFlags struct {
	manager     *string
	fingerprint *string
	farm        *string
	discovery   *discoveryFlags
	name        *string
	tags        *string
	taskTypes   *taskTypesFlag
	blender     *string
	ffmpeg      *string
	cacheSize   *int64 // bytes
}

// addWorkerFlags adds the worker's flags; df is the discovery flags when the
// flag set has them already (the manager's, in 'both').
func addWorkerFlags(fs *flagSet, df *discoveryFlags) *workerFlags {
	if df == nil {
		df = addDiscoveryFlags(fs)
	}
	host, _ := os.Hostname()
	taskTypes := &taskTypesFlag{}
	// The first --blender is the worker's default Blender; the others are
	// offered beside it for jobs that require their version (worker.Blenders).
	blender := ""
	fs.Func("blender", "Blender to render with (default: blender on PATH); repeat it to offer more Blenders side by side "+
		"for jobs that require a version (blender_version)", func(s string) error {
		if blender == "" {
			blender = s
		} else {
			worker.AddBlender(s)
		}
		return nil
	})
	fs.Func("cycles-device", "the Cycles device type this worker renders with: "+strings.Join(worker.CyclesDevices, ", ")+
		" (kept for later runs; 'none' leaves each file's own setting, the default)", taskTypes.setCyclesDevice)
	cacheSize := worker.DefaultCacheSize
	fs.Func("cache-size", "how much room the cache of uploaded jobs' files may take, e.g. 20GiB or 500MiB (default 20GiB)",
		func(s string) (err error) { cacheSize, err = files.ParseSize(s); return err })
	fs.Func("task-type", "offer this task type besides blender, ffmpeg, misc and file-management, for job types with "+
		"task types of their own, e.g. blender-gpu (repeatable, or comma-separated; kept for later runs; --task-type '' offers none)", taskTypes.add)
	fs.Func("task-types", "the same as --task-type", taskTypes.add)
	fs.BoolFunc("no-warm-blender", "start Blender anew for every task, instead of keeping one Blender with the scene loaded "+
		"for a job's chunks (jobs can also turn that off: warm_blender)", func(s string) error {
		off, err := strconv.ParseBool(s)
		worker.SetWarmBlender(!off)
		return err
	})
	return &workerFlags{
		taskTypes: taskTypes,
		cacheSize: &cacheSize,
		manager:   fs.String("manager", "", "manager URL (default $FARMHAND_MANAGER, else found on the network with mDNS)"),
		fingerprint: fs.String("fingerprint", "", "the manager's certificate fingerprint to trust (default $FARMHAND_FINGERPRINT, "+
			"else the one kept when this worker joined, else the one in --join's code, else the one the network announces)"),
		farm:      fs.String("farm", "", "with several farms on the network: the name of the one to join"),
		discovery: df,
		name:      fs.String("name", host, "worker name shown on the farm"),
		tags:      fs.String("tags", "", "comma-separated tags (jobs can require them); tags an admin sets (farmhand worker ID tags) win over these"),
		blender:   &blender,
		ffmpeg:    fs.String("ffmpeg", "", "FFmpeg to make videos with (default: ffmpeg on PATH)"),
	}
}

// taskTypesFlag collects --task-type flags: each a task type, or several
// separated by commas.
type taskTypesFlag struct {
	given bool
	types []string
	// device is --cycles-device's value, when deviceGiven; kept with the
	// task types in the worker's settings (see extraTaskTypes).
	device      string
	deviceGiven bool
}

func (f *taskTypesFlag) setCyclesDevice(s string) error {
	if strings.EqualFold(strings.TrimSpace(s), "none") {
		s = ""
	}
	d, err := worker.ParseCyclesDevice(s)
	f.device, f.deviceGiven = d, true
	return err
}

func (f *taskTypesFlag) add(s string) error {
	f.given = true
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t == "" {
			continue
		}
		if err := jobtype.CheckTaskType(t); err != nil {
			return err
		}
		f.types = append(f.types, t)
	}
	return nil
}

// extraTaskTypes returns the task types the worker offers besides its tools':
// the flags', which are then kept in the data dir, or else the kept ones. It
// also sets the worker's Cycles device (worker.UseCyclesDevice) the same way:
// --cycles-device's, then kept, or else the kept one.
func (f *taskTypesFlag) extraTaskTypes(data string) ([]string, error) {
	s, err := worker.LoadSettings(data)
	if err != nil && (f.given || f.deviceGiven) {
		s = worker.Settings{} // damaged: the flags replace it
	} else if err != nil {
		return nil, err
	}
	if f.given {
		s.TaskTypes = f.types
	}
	if f.deviceGiven {
		s.CyclesDevice = f.device
	}
	if f.given || f.deviceGiven {
		err = worker.SaveSettings(data, s)
	}
	return s.TaskTypes, errors.Join(err, worker.UseCyclesDevice(s.CyclesDevice))
}
