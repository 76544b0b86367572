package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"farmhand/farm/api"
	"farmhand/farm/api/client"
	"farmhand/farm/manager"
	"farmhand/farm/worker"
)

type managerFlags struct {
	data          *string
	listen        *string
	workerTimeout *time.Duration
	headless      *bool
}

func addManagerFlags(e *env, name, synopsis string) (*managerFlags, *flagSet) {
	fs := newFlags(e, name, synopsis)
	return &managerFlags{
		data:          fs.String("data", defaultDataDir(), "data directory (database, task logs, credentials)"),
		listen:        fs.String("listen", ":"+DefaultPort, "address the manager's API listens on"),
		workerTimeout: fs.Duration("worker-timeout", manager.DefaultWorkerTimeout, "a worker silent this long is lost and its task requeued"),
		headless:      fs.Bool("headless", false, "never open windows, even with a display"),
	}, &flagSet{fs}
}

type workerFlags struct {
	manager *string
	name    *string
	tags    *string
}

func addWorkerFlags(fs *flagSet) *workerFlags {
	host, _ := os.Hostname()
	return &workerFlags{
		manager: fs.String("manager", "", "manager URL (default $FARMHAND_MANAGER, else this computer's manager)"),
		name:    fs.String("name", host, "worker name shown on the farm"),
		tags:    fs.String("tags", "", "comma-separated tags (jobs can require them)"),
	}
}

func runManager(e *env, args []string) error {
	mf, fs := addManagerFlags(e, "manager", "manager [--data DIR] [--listen ADDR] [--headless]")
	if _, err := parse(fs.FlagSet, args); err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	noteHeadless(e, *mf.headless)
	mh, err := startManager(ctx, e, mf)
	if err != nil {
		return err
	}
	<-ctx.Done()
	return mh.stop()
}

func runWorker(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "worker", "worker [--manager URL] [--data DIR] [--name NAME] [--tags a,b] [--headless]")}
	data := fs.String("data", defaultDataDir(), "data directory (worker credentials)")
	headless := fs.Bool("headless", false, "never open windows, even with a display")
	wf := addWorkerFlags(fs)
	if _, err := parse(fs.FlagSet, args); err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	noteHeadless(e, *headless)
	return newWorker(e, client.New(managerURL(*wf.manager)), *data, wf).Run(ctx)
}

func runBoth(e *env, args []string) error {
	mf, fs := addManagerFlags(e, "both", "[both] [--data DIR] [--listen ADDR] [--name NAME] [--tags a,b] [--headless]")
	wf := addWorkerFlags(fs)
	if _, err := parse(fs.FlagSet, args); err != nil {
		return err
	}
	if *wf.manager != "" {
		return fmt.Errorf("%w: 'both' runs its own manager; use 'farmhand worker --manager URL' to join another", errUsage)
	}
	ctx, stop := signalContext()
	defer stop()
	noteHeadless(e, *mf.headless)
	mh, err := startManager(ctx, e, mf)
	if err != nil {
		return err
	}
	// The local worker takes the same road as any other: HTTP to the manager.
	err = newWorker(e, client.New(mh.url), *mf.data, wf).Run(ctx)
	if serr := mh.stop(); err == nil {
		err = serr
	}
	return err
}

func newWorker(e *env, cl *client.Client, data string, wf *workerFlags) *worker.Worker {
	var tags []string
	for _, t := range strings.Split(*wf.tags, ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	return worker.New(worker.Config{Client: cl, DataDir: data, Name: *wf.name, Tags: tags, Version: Version, Logger: e.log})
}

// managerURL picks the manager to talk to: the flag, the environment, or this
// computer.
func managerURL(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if v := os.Getenv("FARMHAND_MANAGER"); v != "" {
		return v
	}
	return "http://127.0.0.1:" + DefaultPort
}

// runningManager is a manager serving its API.
type runningManager struct {
	m    *manager.Manager
	srv  *http.Server
	url  string // how this process reaches it
	done chan struct{}
}

func startManager(ctx context.Context, e *env, mf *managerFlags) (*runningManager, error) {
	m, err := manager.Open(manager.Config{DataDir: *mf.data, WorkerTimeout: *mf.workerTimeout, Logger: e.log})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", *mf.listen)
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("listening on %s: %w (is another manager running? pick another address with --listen)", *mf.listen, err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	rm := &runningManager{m: m, url: fmt.Sprintf("http://127.0.0.1:%d", port), done: make(chan struct{}),
		srv: &http.Server{Handler: api.New(m, Version, e.log), ReadHeaderTimeout: 10 * time.Second}}
	go func() {
		defer close(rm.done)
		if err := rm.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.log.Error("serving the API", "err", err)
		}
	}()
	go m.Run(ctx)
	e.log.Info("manager ready", "api", rm.url+"/api/v1", "docs", rm.url+"/api/docs", "farm", m.ID(),
		"listen", ln.Addr().String(), "data", *mf.data)
	return rm, nil
}

func (rm *runningManager) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rm.srv.Shutdown(ctx)
	<-rm.done
	return rm.m.Close()
}
