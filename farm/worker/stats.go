package worker

import (
	"runtime"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/mem"

	"farmhand/farm/model"
)

// hostStats samples the computer's CPU, memory and (where readable, see
// gpuStats) GPU use for the heartbeat, so the farm's windows can show how busy
// each worker is. The CPU share is over the time since the previous sample
// (gopsutil keeps the last reading), so sampling costs no waiting.
func hostStats() *model.HostStats {
	s := &model.HostStats{CPUs: runtime.NumCPU(), Sampled: time.Now().UTC()}
	if pct, err := cpu.Percent(0, false); err == nil && len(pct) == 1 {
		s.CPUPercent = pct[0]
	}
	if vm, err := mem.VirtualMemory(); err == nil {
		s.MemUsedMB, s.MemTotalMB = vm.Used>>20, vm.Total>>20
	}
	s.GPUs = gpuStats()
	return s
}
