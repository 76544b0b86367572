package worker

import (
	"os"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/mem"
	"github.com/shirou/gopsutil/v4/process"

	"farmhand/farm/availability"
)

// loadMeter measures the load of OTHER programs than this worker and the
// processes it started: the CPU time the whole computer spent busy since the
// last sample, less this process tree's own, over all cores' time. The first
// sample has nothing to compare with and reports no CPU share.
type loadMeter struct {
	lastTotal, lastBusy, lastOwn float64
	primed                       bool
}

// sample returns the load now; Known is false when the system's counters
// cannot be read.
func (lm *loadMeter) sample() availability.Load {
	times, err := cpu.Times(false)
	if err != nil || len(times) != 1 {
		return availability.Load{}
	}
	t := times[0]
	// Linux counts guest time within user time already: it is left out.
	total := t.User + t.System + t.Idle + t.Nice + t.Iowait + t.Irq + t.Softirq + t.Steal
	busy := total - t.Idle - t.Iowait
	own := ownCPUSeconds()
	l := availability.Load{Known: true}
	if vm, err := mem.VirtualMemory(); err == nil {
		l.FreeMemory = vm.Available
	}
	if lm.primed && total > lm.lastTotal {
		other := (busy - lm.lastBusy) - (own - lm.lastOwn)
		l.OtherCPU = min(max(other/(total-lm.lastTotal), 0), 1)
	}
	lm.lastTotal, lm.lastBusy, lm.lastOwn, lm.primed = total, busy, own, true
	return l
}

// ownCPUSeconds is the CPU time (user and system, seconds) of this process
// and every process below it: the tasks' renders among them.
func ownCPUSeconds() float64 {
	p, err := process.NewProcess(int32(os.Getpid()))
	if err != nil {
		return 0
	}
	return treeCPU(p, 0)
}

func treeCPU(p *process.Process, depth int) float64 {
	var sum float64
	if t, err := p.Times(); err == nil {
		sum = t.User + t.System
	}
	if depth > 16 {
		return sum // a runaway tree: what was counted is enough
	}
	children, _ := p.Children() // none, or gone meanwhile: nothing to add
	for _, c := range children {
		sum += treeCPU(c, depth+1)
	}
	return sum
}
