package manager

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"farmhand/farm/availability"
	"farmhand/farm/model"
	"farmhand/farm/sched"
	"farmhand/farm/wol"
)

// WakeConfig sets up a Waker. Zero values take the defaults.
type WakeConfig struct {
	// Send sends mac's magic packet to target ("host:port"); wol.Send by
	// default. Tests give one that sends to 127.0.0.1.
	Send func(ctx context.Context, mac, target string) error
	// Targets lists the broadcast addresses to send to; the manager's own
	// subnets' (wol.Broadcasts) by default.
	Targets func() ([]string, error)
	// Every is how often queued work is checked against awake workers: 30 s.
	Every time.Duration
	// Gap is how long a worker is left alone after a magic packet before
	// another is sent to it automatically: a computer takes a while to boot
	// and sign on. 10 minutes.
	Gap time.Duration
}

// Waker wakes sleeping workers with Wake-on-LAN: by hand (an admin's
// WakeBy) and on its own when queued work needs more workers than are awake.
type Waker struct {
	m   *Manager
	cfg WakeConfig
	log *slog.Logger

	mu   sync.Mutex
	sent map[string]time.Time // worker id → last automatic magic packet
}

// FollowQueue starts a Waker for m that checks every cfg.Every whether queued
// work needs more workers than are awake, and wakes those that could run it.
// It stops when m closes.
func FollowQueue(m *Manager, cfg WakeConfig) *Waker {
	wk := NewWaker(m, cfg)
	sub := m.Events().Subscribe(16)
	go func() {
		tick := time.NewTicker(wk.cfg.Every)
		defer tick.Stop()
		for {
			select {
			case ev, ok := <-sub.C:
				if !ok {
					return
				}
				if ev.Type == model.EventJob && ev.Job != nil && ev.Job.Status == model.JobQueued {
					wk.WakeForQueue(context.Background())
				}
			case <-tick.C:
				wk.WakeForQueue(context.Background())
			}
		}
	}()
	return wk
}

// NewWaker returns a Waker for m that sends nothing until asked.
func NewWaker(m *Manager, cfg WakeConfig) *Waker {
	if cfg.Send == nil {
		cfg.Send = wol.Send
	}
	if cfg.Targets == nil {
		cfg.Targets = envTargets
	}
	if cfg.Every <= 0 {
		cfg.Every = 30 * time.Second
	}
	if cfg.Gap <= 0 {
		cfg.Gap = 10 * time.Minute
	}
	return &Waker{m: m, cfg: cfg, log: m.log, sent: map[string]time.Time{}}
}

// WakeTargetsEnv names an environment variable of the manager's: a
// comma-separated list of addresses ("192.168.2.255:9, 10.0.0.255") to send
// magic packets to instead of the manager's own subnets' broadcast addresses,
// for workers on another subnet (a directed broadcast) and for tests.
const WakeTargetsEnv = "FARMHAND_WAKE_TARGETS"

func envTargets() ([]string, error) {
	v := os.Getenv(WakeTargetsEnv)
	if strings.TrimSpace(v) == "" {
		return wol.Broadcasts()
	}
	var out []string
	for t := range strings.SplitSeq(v, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out, nil
}

// WakeResult says what WakeBy did: sent magic packets (to an offline or lost
// worker) or asked an asleep one to wake.
type WakeResult struct {
	Worker *model.Worker
	// Packets are the "MAC → target" magic packets sent.
	Packets []string
	// StatusChanged: the worker was online and asleep or paused, and is
	// asked to wake (no packet needed).
	StatusChanged bool
}

// WakeBy wakes worker id for by (an admin): an online worker that is asleep
// or paused is asked to wake; an offline or lost one gets a magic packet for
// each MAC it reported, to each broadcast target. Errors: ErrNotFound, or
// ErrInvalid saying why there is nothing to do (already awake, no MAC
// reported, no network to send on), or the send's own error.
func (wk *Waker) WakeBy(ctx context.Context, by Actor, id string) (WakeResult, error) {
	w, err := wk.m.Worker(id)
	if err != nil {
		return WakeResult{}, fmt.Errorf("waking worker %s: %w", id, err)
	}
	switch w.Status {
	case model.WorkerAsleep, model.WorkerPaused:
		w, err := wk.m.WorkerActionBy(by, id, model.WorkerWake, false)
		return WakeResult{Worker: w, StatusChanged: err == nil}, err
	case model.WorkerOffline, model.WorkerLost:
	default:
		return WakeResult{Worker: w}, fmt.Errorf("%w: worker %s is %s, not asleep or offline", ErrInvalid, w.Name, w.Status)
	}
	packets, err := wk.send(ctx, w)
	if err != nil {
		return WakeResult{Worker: w}, err
	}
	wk.log.Info("Wake-on-LAN sent by hand", "worker", id, "name", w.Name, "by", by.MemberID, "packets", packets)
	return WakeResult{Worker: w, Packets: packets}, nil
}

// send sends w's magic packets to every target; it fails only when none
// could be sent.
func (wk *Waker) send(ctx context.Context, w *model.Worker) ([]string, error) {
	if len(w.MACs) == 0 {
		return nil, fmt.Errorf("%w: worker %s reported no MAC address to wake it at (it reports them once it runs this version)", ErrInvalid, w.Name)
	}
	targets, err := wk.cfg.Targets()
	if err != nil {
		return nil, fmt.Errorf("waking worker %s: %w", w.Name, err)
	}
	if len(targets) == 0 {
		return nil, fmt.Errorf("%w: waking worker %s: the manager's computer has no network that can broadcast", ErrInvalid, w.Name)
	}
	var sent []string
	var errs []error
	for _, mac := range w.MACs {
		for _, t := range targets {
			if err := wk.cfg.Send(ctx, mac, t); err != nil {
				errs = append(errs, err)
				continue
			}
			sent = append(sent, mac+" → "+t)
		}
	}
	if len(sent) == 0 {
		return nil, fmt.Errorf("waking worker %s: %w", w.Name, errors.Join(errs...))
	}
	return sent, nil
}

// WakeForQueue wakes offline or lost workers when more tasks are ready than
// awake workers are free, as many as are missing, each at most once per Gap.
// A worker is woken only if its rules allow it (WakeForWork), it reported a
// MAC, its last availability report
// does not hold it back for a while yet, and a ready task fits it (task
// types, tags). It returns the ids of the workers woken.
func (wk *Waker) WakeForQueue(ctx context.Context) []string {
	// Most farms opt no worker in: then a queued job costs no read of the
	// workers here.
	if !anyWakesForWork(wk.m.current().Availability) {
		return nil
	}
	ws, err := wk.m.Workers()
	if err != nil {
		wk.log.Warn("checking whether workers need waking", "err", err)
		return nil
	}
	free := 0
	for _, w := range ws {
		if w.Status == model.WorkerAwake && w.TaskID == "" && (w.Availability == nil || w.Availability.Available) {
			free++
		}
	}
	missing := wk.m.index.Ready() - free
	now := wk.m.now()
	var woken []string
	for _, w := range ws {
		if missing <= 0 {
			break
		}
		if !wk.wanted(w, now) {
			continue
		}
		packets, err := wk.send(ctx, w)
		wk.mu.Lock()
		wk.sent[w.ID] = now
		wk.mu.Unlock()
		if err != nil {
			wk.log.Warn("Wake-on-LAN for queued work failed", "worker", w.ID, "name", w.Name, "err", err)
			continue
		}
		wk.log.Info("Wake-on-LAN sent: queued work needs more workers", "worker", w.ID, "name", w.Name, "packets", packets)
		woken = append(woken, w.ID)
		missing--
	}
	return woken
}

func anyWakesForWork(rules map[string]availability.Rules) bool {
	for _, r := range rules {
		if r.WakeForWork {
			return true
		}
	}
	return false
}

// wanted reports whether w is one WakeForQueue may wake at now.
func (wk *Waker) wanted(w *model.Worker, now time.Time) bool {
	if (w.Status != model.WorkerOffline && w.Status != model.WorkerLost) || len(w.MACs) == 0 ||
		!wk.m.current().Availability[w.ID].WakeForWork {
		return false
	}
	if a := w.Availability; a != nil && !a.Available && a.Until.After(now) {
		return false
	}
	wk.mu.Lock()
	last, ok := wk.sent[w.ID]
	wk.mu.Unlock()
	if ok && now.Sub(last) < wk.cfg.Gap {
		return false
	}
	// Pick reserves the task it finds: give it back at once, this was
	// only a question.
	c, ok := wk.m.index.Pick(sched.Worker{ID: w.ID, TaskTypes: w.TaskTypes, Tags: w.Tags})
	if ok {
		wk.m.index.Release(c)
	}
	return ok
}
