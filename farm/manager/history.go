package manager

import (
	"sync"
	"time"

	"farmhand/farm/model"
)

// History keeps, per worker, the last HistorySpan of host stats in memory, one
// sample per HistoryStep: heartbeats within one step are averaged into one
// sample, so a worker heartbeating every second costs no more than one
// heartbeating every 30 s.
//
// Memory: each worker has one fixed ring of historySlots (2880) slots of
// historySlot (56 bytes on 64-bit computers): 161,288 bytes (about 158 KiB)
// per worker, allocated at its first sample and dropped after a HistorySpan
// without one. Nothing is stored on disk, so a manager restart starts the
// history afresh.
type History struct {
	now func() time.Time

	mu    sync.Mutex
	rings map[string]*hostRing
	swept time.Time
}

// History's shape: 24 hours in 30-second steps.
const (
	HistoryStep  = 30 * time.Second
	HistorySpan  = 24 * time.Hour
	historySlots = int64(HistorySpan / HistoryStep)
)

// historySlot is one step's sums; step is the step's number (Unix seconds /
// 30), so a slot left from 24 h ago is told from a current one. gpuN counts
// the heartbeats that read a GPU, as not all of them may have.
type historySlot struct {
	step                               int64
	cpu, gpu                           float32
	mem, memTotal, gpuMem, gpuMemTotal uint64 // MiB, summed
	n, gpuN                            uint16
}

type hostRing struct {
	slots [historySlots]historySlot
	last  int64 // the newest step held
}

// NewHistory returns an empty history whose clock is now (the manager's, so
// that tests can move it).
func NewHistory(now func() time.Time) *History {
	return &History{now: now, rings: map[string]*hostRing{}}
}

func stepOf(t time.Time) int64 { return t.Unix() / int64(HistoryStep/time.Second) }

// Add folds one heartbeat's stats of workerID, received now, into the
// history. Stats from longer than HistorySpan ago are dropped.
func (h *History) Add(workerID string, s *model.HostStats) {
	if s == nil {
		return
	}
	now := h.now()
	step := stepOf(now)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sweep(now)
	r := h.rings[workerID]
	if r == nil {
		r = &hostRing{}
		h.rings[workerID] = r
	}
	r.last = max(r.last, step)
	if step <= r.last-historySlots {
		return
	}
	sl := &r.slots[step%historySlots]
	if sl.step != step || sl.n == 0 {
		*sl = historySlot{step: step}
	}
	if sl.n == ^uint16(0) {
		return // a slot's mean of 65535 heartbeats needs no more
	}
	sl.n++
	sl.cpu += float32(s.CPUPercent)
	sl.mem += s.MemUsedMB
	sl.memTotal += s.MemTotalMB
	if len(s.GPUs) > 0 {
		var busy float64
		var used, total uint64
		for _, g := range s.GPUs {
			busy += g.BusyPercent
			used += g.MemUsedMB
			total += g.MemTotalMB
		}
		sl.gpuN++
		sl.gpu += float32(busy / float64(len(s.GPUs)))
		sl.gpuMem += used
		sl.gpuMemTotal += total
	}
}

// sweep drops, at most once an hour, the rings of workers not heard from in a
// HistorySpan (deleted or long gone), so the map does not grow with every
// worker the farm ever had.
func (h *History) sweep(now time.Time) {
	if now.Sub(h.swept) < time.Hour {
		return
	}
	h.swept = now
	oldest := stepOf(now) - historySlots
	for id, r := range h.rings {
		if r.last <= oldest {
			delete(h.rings, id)
		}
	}
}

// Since returns workerID's samples from since on (at most the last
// HistorySpan), oldest first; a worker without samples gives an empty list.
// Each sample's Time is the start of its step, in UTC.
func (h *History) Since(workerID string, since time.Time) model.HostHistory {
	out := model.HostHistory{WorkerID: workerID, StepSeconds: int(HistoryStep / time.Second), Samples: []model.HostSample{}}
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.rings[workerID]
	if r == nil {
		return out
	}
	from := max(stepOf(now)-historySlots+1, r.last-historySlots+1, stepOf(since))
	for step := from; step <= r.last; step++ {
		sl := &r.slots[step%historySlots]
		if sl.step != step || sl.n == 0 {
			continue
		}
		out.Samples = append(out.Samples, sl.sample())
	}
	return out
}

func (sl *historySlot) sample() model.HostSample {
	n := float64(sl.n)
	s := model.HostSample{
		Time:       time.Unix(sl.step*int64(HistoryStep/time.Second), 0).UTC(),
		CPUPercent: float64(sl.cpu) / n,
		MemUsedMB:  uint64(float64(sl.mem)/n + 0.5), MemTotalMB: uint64(float64(sl.memTotal)/n + 0.5),
		Heartbeats: int(sl.n),
	}
	if sl.gpuN > 0 {
		g := float64(sl.gpuN)
		pct := float64(sl.gpu) / g
		s.GPUPercent = &pct
		s.GPUMemUsedMB, s.GPUMemTotalMB = uint64(float64(sl.gpuMem)/g+0.5), uint64(float64(sl.gpuMemTotal)/g+0.5)
	}
	return s
}

// historyBuffer is how many load events the history's subscription holds:
// load events come at most every 5 s per worker, so this rides out a pause
// of a farm of 50 workers for 25 s.
const historyBuffer = 256

// FollowHistory starts a History fed by m's worker-load events (each
// worker's heartbeat stats, at most every 5 s), timed by m's clock. It stops
// following when m closes.
func FollowHistory(m *Manager) *History {
	h := NewHistory(m.now)
	sub := m.Events().Subscribe(historyBuffer)
	go func() {
		for ev := range sub.C {
			if ev.Type == model.EventWorkerLoad && ev.Load != nil {
				h.Add(ev.Load.WorkerID, ev.Load.Stats)
			}
		}
	}()
	return h
}
