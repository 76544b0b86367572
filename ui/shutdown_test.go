package ui_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"go.uber.org/goleak"

	"farmhand/farm/api"
	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/manager"
	"farmhand/farm/model"
	"farmhand/farm/worker"
	"farmhand/ui"
)

// Quitting the windows while the farm is busy (a worker rendering, events
// streaming in), then the worker and the manager in the order the program
// does: nothing panics, every goroutine of the windows, the worker and the
// manager ends, and the worker reported its task stopped (issue 10). The
// windows run on Fyne's test driver; their quit is what showWindows does once
// the app has quit: it ends their context.
func TestQuitWindowsWhileBusy(t *testing.T) {
	app := test.NewTempApp(t) // the driver's own goroutines are not the windows'
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	m, err := manager.Open(manager.Config{DataDir: dir, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	runCtx, stopRun := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { m.Run(runCtx); close(ran) }()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	handler := api.New(m, "test", quiet)
	srv := &http.Server{Handler: handler}
	served := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(served) }() // ErrServerClosed when the test shuts it down
	url := "http://" + ln.Addr().String()
	_, adminToken, err := m.CreateAdmin("test")
	if err != nil {
		t.Fatal(err)
	}
	code, err := m.JoinCode()
	if err != nil {
		t.Fatal(err)
	}
	admin := client.New(url).WithToken(adminToken)

	wctx, stopWorker := context.WithCancel(context.Background())
	defer stopWorker()
	w := worker.New(worker.Config{Client: client.New(url), DataDir: t.TempDir(), Name: "render-1", Version: "test",
		Logger: quiet, JoinCode: code, IdlePoll: 50 * time.Millisecond, LogFlush: 50 * time.Millisecond})
	workerDone := make(chan error, 1)
	go func() { workerDone <- w.Run(wctx) }()

	ctx, quit := context.WithCancel(context.Background())
	defer quit()
	u := ui.NewSerial(ctx, ui.Config{App: app, Client: admin, Farm: "test"})
	u.Start()
	const wait = 20 * time.Second
	u.Until(t, "the first load", wait, u.Online)
	job, err := admin.Submit(ctx, wire.SubmitJob{Name: "shot 1", Type: "echo-sleep-test",
		Settings: map[string]any{"frames": "1-3", "chunk_size": 1, "sleep_seconds": 60.0}})
	if err != nil {
		t.Fatal(err)
	}
	u.Until(t, "the job shown running", wait, func() bool {
		j, ok := u.Job(job.ID)
		return ok && j.Status == model.JobActive
	})

	quit() // the windows have quit
	stopWorker()
	select {
	case err := <-workerDone:
		if err != nil {
			t.Fatalf("worker: %v", err)
		}
	case <-time.After(wait):
		t.Fatal("the worker did not stop")
	}
	// The manager, in runningManager.stop's order.
	stopRun()
	<-ran
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	<-served
	m.Events().Close()
	if err := handler.WaitStreams(sctx); err != nil {
		t.Fatal(err)
	}
	tasks, err := m.Tasks(job.ID)
	if err != nil {
		t.Fatal(err)
	}
	stopped := 0
	for _, task := range tasks {
		if task.Status == model.TaskActive {
			t.Errorf("task %s still active after its worker quit", task.ID)
		}
		if tail, _ := m.TaskLogTail(task.ID, 20); strings.Contains(tail, "stopped: the worker is shutting down") {
			stopped++
		}
	}
	if stopped != 1 {
		t.Errorf("%d task logs say the worker stopped them, want 1", stopped)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
}
