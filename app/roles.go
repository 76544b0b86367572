package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"farmhand/farm/api"
	"farmhand/farm/api/client"
	"farmhand/farm/jobtype"
	"farmhand/farm/manager"
	"farmhand/farm/model"
	"farmhand/farm/store"
	"farmhand/farm/trust"
	"farmhand/farm/worker"
)

func runManager(e *env, args []string) error {
	mf, fs := addManagerFlags(e, "manager", "manager [--data DIR] [--listen ADDR] [--farm-name NAME] [--headless]")
	if _, err := parseFlags(fs.FlagSet, args); err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	mh, err := startManager(ctx, e, mf)
	if err != nil {
		return err
	}
	if wantWindows(e, *mf.headless) {
		err = showWindows(windowsParams{ctx: ctx, env: e, client: mh.adminClient()})
	} else {
		<-ctx.Done()
	}
	if serr := mh.stop(); err == nil {
		err = serr
	}
	return err
}

func runWorker(e *env, args []string) error {
	// 'worker ID history|availability|wake' have flags of their own, so they
	// are picked out before this command parses its flags.
	if historyVerb(args) {
		return runWorkerHistory(e, args) // cli_history.go
	}
	if verb, ok := workerVerb(args); ok {
		return runWorkerVerb(e, args, verb) // cli_availability.go
	}
	fs := &flagSet{newFlags(e, "worker", "worker [--manager URL] [--data DIR] [--name NAME] [--tags a,b] [--headless]\n"+
		"       farmhand worker ID sleep|wake|pause|shutdown|restart|upgrade [--now] | tags a,b ('' clears) | rename NAME | delete [--json]\n"+
		"       farmhand worker ID availability [flags]   when this worker renders (idle time, schedule, overrides; -h for flags)\n"+
		"       farmhand worker ID history [2h]           its CPU, memory and GPU use\n"+
		"       (wake also sends a Wake-on-LAN packet to an offline worker that reported its MAC address)")}
	data := fs.String("data", defaultDataDir(), "data directory (worker credentials)")
	headless := fs.Bool("headless", false, "never open windows, even with a display")
	restartCode := fs.Int("restart-exit-code", DefaultRestartExitCode, "exit code when the manager asks this worker to restart")
	joinCode := fs.String("join", "", "the farm's join code: join without waiting for an admin (see 'farmhand joincode')")
	token := fs.String("token", "", "with a worker ID: an admin's token (default $FARMHAND_TOKEN, else the data directory's)")
	now := fs.Bool("now", false, "with sleep, pause, shutdown or restart: stop the running task instead of finishing it")
	asJSON := fs.Bool("json", false, "with a worker ID: print JSON")
	wf := addWorkerFlags(fs, nil)
	pos, err := parseFlags(fs.FlagSet, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		ref, err := resolveFarm(refFlags{manager: *wf.manager, token: *token, fingerprint: *wf.fingerprint}, *data)
		if err != nil {
			return err
		}
		return manageWorker(e, ref.client(), pos, *now, *asJSON)
	}
	ctx, stop := signalContext()
	defer stop()
	secret, codePin, err := splitCode(*joinCode)
	if err != nil {
		return err
	}
	cl, locate, err := findManager(ctx, e, wf, *data, codePin)
	if err != nil {
		return err
	}
	windows := wantWindows(e, *headless)
	// A workstation showing the farm asks to join as an artist; a render node
	// as a worker.
	wants := model.RoleWorker
	if windows {
		wants = model.RoleArtist
	}
	makeWorker := workerMaker(e, cl, *data, wf, secret, wants, locate)
	lw := newLocalWorker(ctx, *data, makeWorker)
	// Asked by the manager to go, the program exits: 0 for a shutdown, the
	// restart code for a restart, so that a service manager starts it again.
	var exit error
	lw.exited = func(err error) {
		exit = err
		stop()
	}
	ui := cl
	if windows {
		// The windows go with the worker's membership: join first (an admin
		// may still have to approve it; the windows say so meanwhile).
		token, err := makeWorker(nil, nil).Member(ctx)
		if err != nil {
			return fmt.Errorf("joining the farm at %s: %w", cl.BaseURL(), err)
		}
		ui = cl.WithToken(token)
	}
	if err := runLocalWorker(ctx, e, ui, windows, lw); err != nil {
		return err
	}
	switch {
	case errors.Is(exit, worker.ErrRestartRequested):
		e.log.Info("restarting: exiting with the restart exit code", "code", *restartCode)
		return exitCode(*restartCode)
	case errors.Is(exit, worker.ErrShutdownRequested):
		e.log.Info("shutting down as the manager asked")
	case errors.Is(exit, worker.ErrNotAdmitted):
		// Refused (a wrong join code, a revoked membership): not a success,
		// or a service manager or script would take it for one.
		return exit
	}
	return nil
}

// DefaultRestartExitCode is what a worker exits with when asked to restart;
// a systemd unit restarts it with RestartForceExitStatus=47.
const DefaultRestartExitCode = 47

// runLocalWorker runs the worker headless until ctx ends, or shows the windows
// (with cl, the farm as the windows see it) with the worker under the tray's
// control until the user quits.
func runLocalWorker(ctx context.Context, e *env, cl *client.Client, windows bool, lw *localWorker) error {
	lw.SetEnabled(true)
	var err error
	if windows {
		err = showWindows(windowsParams{ctx: ctx, env: e, client: cl, worker: lw})
	} else {
		<-ctx.Done()
	}
	lw.SetEnabled(false)
	return err
}

func runBoth(e *env, args []string) error { return runBothOrWelcome(e, args, false) }

// runDefault is farmhand without a command: what this computer was made the
// last time — the farm's manager (and worker), or a workstation that joined a
// farm — or, the first time, what the welcome window asks.
func runDefault(e *env, args []string) error {
	data := defaultDataDir()
	_, managerErr := os.Stat(filepath.Join(data, store.FileName))
	if managerErr != nil && knownManagerID(data) != "" && len(args) == 0 {
		return runWorker(e, args)
	}
	return runBothOrWelcome(e, args, true)
}

// runBothOrWelcome runs manager and worker; with welcome, on a computer of no
// farm yet and with windows, it first asks what the computer should be.
func runBothOrWelcome(e *env, args []string, welcome bool) error {
	mf, fs := addManagerFlags(e, "both", "[both] [--data DIR] [--listen ADDR] [--name NAME] [--tags a,b] [--headless]")
	wf := addWorkerFlags(fs, mf.discovery)
	if _, err := parseFlags(fs.FlagSet, args); err != nil {
		return err
	}
	// A double-click on a computer of no farm yet: ask what it should be.
	if welcome && guiBuilt && !*mf.headless && isFirstRun(*mf.data) && displayAnswers() {
		return runFirstRun(e, mf, wf)
	}
	if *wf.manager != "" {
		return fmt.Errorf("%w: 'both' runs its own manager; use 'farmhand worker --manager URL' to join another", errUsage)
	}
	ctx, stop := signalContext()
	defer stop()
	return runBothUntil(ctx, e, mf, wf)
}

// runBothUntil runs the manager and this computer's worker, with the windows
// unless headless, until ctx ends or the person quits the windows; then it
// stops the worker (which signs off) before the manager.
func runBothUntil(ctx context.Context, e *env, mf *managerFlags, wf *workerFlags) error {
	mh, code, err := startManagerForWorker(ctx, e, mf)
	if err != nil {
		return err
	}
	// Its own worker joins with the join code: the manager's computer needs
	// nobody's approval to render.
	lw := newLocalWorker(ctx, *mf.data, workerMaker(e, client.New(mh.url), *mf.data, wf, code, model.RoleWorker, nil))
	// This process is the manager too: a shutdown request only switches the
	// worker off (the tray can switch it on again), a restart restarts it.
	lw.exited = func(err error) {
		if errors.Is(err, worker.ErrRestartRequested) {
			lw.SetEnabled(true)
		}
	}
	err = runLocalWorker(ctx, e, mh.adminClient(), wantWindows(e, *mf.headless), lw)
	if serr := mh.stop(); err == nil {
		err = serr
	}
	return err
}

// startManagerForWorker starts the manager and returns it with the secret of
// its join code, for this computer's own worker. The code comes over the API
// with the admin token: the local worker and the windows take the same road
// as anyone else, even though the manager runs in this process. The code's
// fingerprint part is dropped: the worker reaches the manager over loopback
// HTTP. A manager whose code cannot be read is stopped again.
func startManagerForWorker(ctx context.Context, e *env, mf *managerFlags) (*runningManager, string, error) {
	mh, err := startManager(ctx, e, mf)
	if err != nil {
		return nil, "", err
	}
	code, err := mh.adminClient().JoinCode(ctx, false)
	if err == nil {
		code, _, err = trust.SplitJoinCode(code)
	}
	if err != nil {
		return nil, "", errors.Join(fmt.Errorf("reading the join code of this computer's manager: %w", err), mh.stop())
	}
	return mh, code, nil
}

func workerMaker(e *env, cl *client.Client, data string, wf *workerFlags, joinCode string, wants model.Role,
	locate func(context.Context, string) (string, error)) func(func(worker.State), func() bool) *worker.Worker {
	tags := splitTags(*wf.tags)
	extra, err := wf.taskTypes.extraTaskTypes(data)
	if err != nil {
		e.log.Warn("worker task types", "err", err)
	}
	// Look for Blender and FFmpeg once: each check runs the program.
	tools := worker.FindTools(*wf.blender, *wf.ffmpeg)
	e.log.Info("worker tools", "blender", cmp.Or(tools.Blender, "not found"), "ffmpeg", cmp.Or(tools.FFmpeg, "not found"),
		"task_types", tools.TaskTypes(), "own_task_types", extra)
	for _, p := range tools.Problems {
		e.log.Warn("worker tool not used", "problem", p)
	}
	return func(onState func(worker.State), paused func() bool) *worker.Worker {
		return worker.New(worker.Config{Client: cl, DataDir: data, Name: *wf.name, Tags: tags, Version: Version,
			Logger: e.log, OnState: onState, Tools: tools, JoinCode: joinCode, Wants: wants, Locate: locate,
			PauseRequested: paused, ExtraTaskTypes: extra, CacheSize: *wf.cacheSize})
	}
}

// findManager picks the worker's manager: the flag, the environment, or the
// network (mDNS), and the certificate to trust: --fingerprint (or
// $FARMHAND_FINGERPRINT), the one kept when the worker joined, the join code's
// prefix (codePin), or, last and weakest, the one the network announces. With
// discovery, it also returns the function that finds the manager again when
// it moved.
func findManager(ctx context.Context, e *env, wf *workerFlags, data string, codePin trust.Fingerprint) (*client.Client, func(context.Context, string) (string, error), error) {
	ref, err := resolveFarm(refFlags{manager: *wf.manager, fingerprint: *wf.fingerprint}, data)
	if err != nil {
		return nil, nil, err
	}
	if ref.Pin == "" {
		ref.Pin = codePin
	}
	if *wf.manager != "" || os.Getenv("FARMHAND_MANAGER") != "" || *wf.discovery.off {
		return client.New(ref.URL).WithPin(ref.Pin), nil, nil
	}
	loc := startLocator(ctx, e, wf.discovery, *wf.farm)
	id := knownManagerID(data)
	e.log.Info("looking for the manager on the network (mDNS)", "farm", cmp.Or(*wf.farm, id, "any"))
	for {
		p, err := loc.find(ctx, id)
		if err == nil {
			pin := ref.Pin
			if pin == "" && p.Fingerprint != "" {
				pin = trust.Fingerprint(p.Fingerprint)
				e.log.Warn("trusting the manager's certificate as the network announces it; a join code (--join) would check it",
					"fingerprint", pin.Short())
			}
			e.log.Info("manager found", "url", p.URL)
			return client.New(p.URL).WithPin(pin), loc.locate, nil
		}
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		e.log.Warn("still looking for the manager; pass --manager URL to skip the search", "err", err)
	}
}

// runningManager is a manager serving its API.
type runningManager struct {
	m   *manager.Manager
	api *api.Server
	srv *http.Server
	url string // how this process reaches it: plain HTTP on loopback
	// fingerprint is the manager's certificate fingerprint.
	fingerprint trust.Fingerprint
	data        string
	log         *slog.Logger
	done        chan struct{} // closed when Serve returned

	stopRun context.CancelFunc // ends Run and the mDNS announcement
	ran     chan struct{}      // closed when Run returned
	// advertised is closed when the mDNS announcement has stopped.
	advertised <-chan struct{}
}

// stopWithin bounds a manager's shutdown: what has not stopped by then is
// logged and closed under it (its writes then fail with store.ErrClosed).
const stopWithin = 10 * time.Second

// adminClient is how this process's windows reach the manager: over HTTP like
// anyone, with the computer's admin token.
func (rm *runningManager) adminClient() *client.Client {
	return client.New(rm.url).WithToken(readAdminToken(rm.data))
}

func startManager(ctx context.Context, e *env, mf *managerFlags) (*runningManager, error) {
	initial, override, err := mf.farmSettings()
	if err != nil {
		return nil, err // a usage error, which Main prints (once)
	}
	// Job-type scripts in the settings' scripts folder (the data directory's
	// scripts/ unless set) add to (or override) the built-in job types; they
	// are reloaded when they change, and the manager opens another folder
	// when the setting changes.
	m, err := manager.Open(manager.Config{DataDir: *mf.data, Initial: &initial, Override: override,
		OpenJobTypes: func(dir string) *jobtype.Registry { return jobtype.Open(dir, jobtype.WithLogger(e.log)) },
		Logger:       e.log})
	if err != nil {
		return nil, err
	}
	recordRestore(e, m, *mf.data)
	if o := m.Overridden(); len(o) > 0 {
		e.log.Info("command-line flags override stored farm settings for this run only", "settings", o)
	}
	farmName := m.Settings().FarmName
	if err := ensureAdminToken(e, m, *mf.data); err != nil {
		m.Close()
		return nil, err
	}
	id, err := trust.LoadOrCreate(tlsDir(*mf.data), farmName)
	if err != nil {
		m.Close()
		return nil, err
	}
	tcp, err := net.Listen("tcp", *mf.listen)
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("listening on %s: %w (is another manager running? pick another address with --listen)", *mf.listen, err)
	}
	// TLS for everyone on one port; plain HTTP for this computer only, unless
	// the studio asked for it everywhere.
	ln := trust.NewListener(tcp, id, *mf.allowPlain)
	port := tcp.Addr().(*net.TCPAddr).Port
	// Run and the announcement get a context of their own: the caller's
	// (the signal context) may end only after stop, which must end them first.
	runCtx, stopRun := context.WithCancel(ctx)
	handler := api.New(m, Version, e.log).WithFarmName(farmName).WithFingerprint(id.Fingerprint)
	rm := &runningManager{m: m, api: handler, fingerprint: id.Fingerprint, url: fmt.Sprintf("http://127.0.0.1:%d", port), data: *mf.data, log: e.log,
		done: make(chan struct{}), stopRun: stopRun, ran: make(chan struct{}),
		srv: &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}}
	go func() {
		defer close(rm.done)
		if err := rm.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.log.Error("serving the API", "err", err)
		}
	}()
	go func() {
		defer close(rm.ran)
		m.Run(runCtx)
	}()
	rm.advertised = advertise(runCtx, e, mf.discovery, rm, farmName, port)
	others := fmt.Sprintf("https://<this computer>:%d", port)
	if ip := tcp.Addr().(*net.TCPAddr).IP; ip.IsLoopback() {
		others = "none (listening on this computer only; --listen :PORT serves the network)"
	}
	e.log.Info("manager ready", "api", rm.url+"/api/v1", "docs", rm.url+"/api/docs", "farm", m.ID(),
		"listen", tcp.Addr().String(), "other_computers", others,
		"fingerprint", id.Fingerprint.String(), "data", *mf.data)
	if *mf.allowPlain {
		e.log.Warn("plain HTTP is served to other computers too (--allow-plain-http): tokens cross the network readable by anyone on it")
	}
	// Commands on this computer given this data directory find this
	// manager at whatever port it listens on.
	if err := os.WriteFile(filepath.Join(*mf.data, managerURLFile), []byte(rm.url+"\n"), 0o644); err != nil {
		e.log.Warn("noting the manager's address for this computer's commands", "err", err)
	}
	if e.managerStarted != nil {
		e.managerStarted(rm.url)
	}
	return rm, nil
}

// recordRestore puts the note of a restore into the audit log (as done by
// the manager's own command line), then removes it; a failure is logged and
// the note kept for the next start.
func recordRestore(e *env, m *manager.Manager, data string) {
	note, done, err := store.RestoreNote(data)
	if err == nil && note != "" {
		if err = m.RecordAudit(manager.Actor{}, "database.restore", note); err == nil {
			err = done()
		}
	}
	if err != nil {
		e.log.Warn("recording the restore in the audit log", "err", err)
	}
}

// stop shuts the manager down within stopWithin, each part before what it
// uses closes: Run's timers, then the API (requests, then event streams),
// then the event hub, then the database. A part that does not stop in time is
// logged and the next step goes on. It returns the database's closing error.
func (rm *runningManager) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), stopWithin)
	defer cancel()
	rm.stopRun()
	select {
	case <-rm.ran:
	case <-ctx.Done():
		rm.log.Warn("the manager's timers did not stop in time; closing the database under them", "within", stopWithin)
	}
	select {
	case <-rm.advertised:
	case <-ctx.Done():
		rm.log.Warn("the mDNS announcement did not stop in time", "within", stopWithin)
	}
	if err := rm.srv.Shutdown(ctx); err != nil {
		rm.log.Warn("API requests still running at shutdown; cutting their connections", "within", stopWithin, "err", err)
		if err := rm.srv.Close(); err != nil {
			rm.log.Warn("closing the API's connections", "err", err)
		}
	}
	<-rm.done // Serve returns as soon as Shutdown or Close begins
	rm.m.Events().Close()
	if err := rm.api.WaitStreams(ctx); err != nil {
		rm.log.Warn("event streams still open at shutdown", "err", err)
	}
	if err := rm.m.Close(); err != nil {
		return fmt.Errorf("closing the farm's database: %w", err)
	}
	rm.log.Info("manager stopped")
	return nil
}
