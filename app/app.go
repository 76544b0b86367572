// Package app is the farmhand program: its command line, its roles (manager,
// worker, both) and the choice between windows and headless operation.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
)

// Version is the application version; release builds set it with -ldflags.
var Version = "0.1.0-dev"

// DefaultPort is where a manager listens unless told otherwise.
const DefaultPort = "7780"

// env is what every command gets: where to print, and the parsed common flags.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	log            *slog.Logger
	// managerStarted, if set, learns the URL of a manager this process
	// started, once it serves: tests run a role with --listen 127.0.0.1:0.
	managerStarted func(url string)
}

type command struct {
	summary string
	run     func(e *env, args []string) error
}

var commands map[string]command

func init() {
	commands = map[string]command{
		"manager":  {"run this computer as the farm's manager", runManager},
		"worker":   {"run this computer as a worker of a farm", runWorker},
		"both":     {"run manager and worker together (the default)", runBoth},
		"submit":   {"submit a job", runSubmit},
		"jobs":     {"list jobs", runJobs},
		"job":      {"show a job, or act on it: job ID [cancel|pause|resume|requeue|requeue-failed|archive|delete|set-priority N]", runJob},
		"tasks":    {"list a job's tasks", runTasks},
		"task":     {"show a task, or act on it: task ID [cancel|requeue|log|tail]", runTask},
		"workers":  {"list workers", runWorkers},
		"jobtypes": {"list the job types the farm offers", runJobTypes},
		"jobtype":  {"jobtype export NAME: copy a built-in job type into the scripts folder to customise it", runJobType},
		"bench":    {"measure scheduling throughput with fake workers over HTTP", runBench},
		"join":     {"ask to join a farm as a person or tool (an admin approves)", runJoin},
		"members":  {"list the farm's members and join requests (--pending)", runMembers},
		"approve":  {"let a member in: approve ID [--role worker|artist|admin]", runDecide("approve")},
		"reject":   {"turn a join request down", runDecide("reject")},
		"revoke":   {"take a member's access away", runDecide("revoke")},
		"joincode": {"show the code that lets workers join without approval", runJoinCode},
		"version":  {"print the version", runVersion},
		"output":   {"download a job's output files: output JOB --out DIR (resumes; skips files already there unchanged)", runOutput},
		"open":     {"show a job in the Farmhand window running on this computer: open JOB_ID (as the Blender add-on's button does)", runOpen},
		"addon":    {"save the Blender add-on as a zip to install in Blender: addon --out FILE", runAddon},
		"service":  {"run farmhand as a systemd service: service install [--role R] [--system] | uninstall | status", runService},
		"backup":   {"save a copy of the farm's database: backup FILE (from the running manager, or the data directory when it is stopped)", runBackup},
		"restore":  {"put a backup back as the farm's database, manager stopped: restore FILE (the replaced one is kept)", runRestore},
		"audit":    {"show who did what on the farm, newest first: audit [--limit N] [--json] (admins)", runAudit},
		"config":   {"show the farm's settings, or change them: config set KEY VALUE", runConfig}, "variables": {"list the path variables and storage locations", runVariables}, "variable": {"variable set NAME --linux V --windows V --darwin V [--all V] [--storage] | delete NAME", runVariable},
	}
}

// errUsage marks a command-line mistake: exit code 2. Main prints the
// message wrapped around it; the bare errUsage means the flag package has
// printed the usage already.
var errUsage = errors.New("usage")

// exitCode ends the program with that code and no message.
type exitCode int

func (c exitCode) Error() string { return fmt.Sprintf("exit code %d", int(c)) }

// Main runs the program and returns its exit code.
func Main(args []string) int {
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel()}))}
	slog.SetDefault(e.log)
	name, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, rest = args[0], args[1:]
	}
	if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		usage(e.stdout)
		return 0
	}
	cmd, ok := commands[name]
	if name == "" {
		// No command, as from a double-click: 'both', with a welcome window
		// when this computer belongs to no farm yet.
		name, cmd, ok = "farmhand", command{run: runDefault}, true
	}
	if !ok {
		fmt.Fprintf(e.stderr, "farmhand: unknown command %q\n\n", name)
		usage(e.stderr)
		return 2
	}
	err := cmd.run(e, rest)
	// Messages start with the command: "farmhand submit: …", and plain
	// "farmhand: …" for the default one.
	prefix := "farmhand " + name
	if name == "farmhand" {
		prefix = name
	}
	var code exitCode
	switch {
	case err == nil:
		return 0
	case errors.As(err, &code):
		return int(code)
	case errors.Is(err, flag.ErrHelp):
		return 2
	case errors.Is(err, errUsage):
		if err != errUsage { //nolint:errorlint // the bare sentinel: nothing to add
			fmt.Fprintf(e.stderr, "%s: %s\n", prefix, strings.TrimPrefix(err.Error(), errUsage.Error()+": "))
		}
		return 2
	case errors.Is(err, errJobUnsuccessful):
		fmt.Fprintf(e.stderr, "%s: %v\n", prefix, err)
		return 1
	default:
		fmt.Fprintf(e.stderr, "%s: %v\n", prefix, err)
		return 1
	}
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "Farmhand %s — a render farm in one program.\n\nUsage: farmhand [command] [flags]\n\nCommands:\n", Version)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "\nRun 'farmhand COMMAND -h' for a command's flags. Without a command, farmhand runs 'both'.\n")
	fmt.Fprintf(w, "Commands that talk to a farm use --manager URL, else $FARMHAND_MANAGER, else the farm this computer\n")
	fmt.Fprintf(w, "joined, else http://127.0.0.1:%s; and the token of --token, $FARMHAND_TOKEN or the data directory.\n", DefaultPort)
}

func logLevel() slog.Level {
	if os.Getenv("FARMHAND_DEBUG") != "" {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// newFlags returns a flag set that prints its usage to e.stderr.
func newFlags(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: farmhand %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags, allowing them after positional arguments too
// ("farmhand job ID --json"), and returns the positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// defaultDataDir is where a farm keeps its state unless --data says otherwise.
func defaultDataDir() string {
	if d := os.Getenv("FARMHAND_DATA"); d != "" {
		return d
	}
	switch runtime.GOOS {
	case "windows", "darwin":
		if d, err := os.UserConfigDir(); err == nil {
			return filepath.Join(d, "Farmhand")
		}
	default:
		if d := os.Getenv("XDG_DATA_HOME"); d != "" {
			return filepath.Join(d, "farmhand")
		}
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, ".local", "share", "farmhand")
		}
	}
	return "farmhand-data"
}

// signalContext ends on SIGINT or SIGTERM.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func runVersion(e *env, args []string) error {
	fs := newFlags(e, "version", "version [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e.stdout, map[string]string{"version": Version, "go": runtime.Version(), "platform": runtime.GOOS + "/" + runtime.GOARCH})
	}
	fmt.Fprintf(e.stdout, "farmhand %s (%s, %s/%s)\n", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
