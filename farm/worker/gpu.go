package worker

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"farmhand/farm/model"
)

// gpuEvery is the least time between two readings of the GPUs: heartbeats
// come every second while a task runs, and nvidia-smi takes tens of
// milliseconds of CPU each time; the manager's history keeps one sample per
// 30 s anyway.
const gpuEvery = 5 * time.Second

// gpuTimeout bounds one nvidia-smi run, so that a wedged driver cannot hold
// up the heartbeat.
const gpuTimeout = 3 * time.Second

// nvidiaQuery is what nvidia-smi is asked for, one card a line. The name goes
// last because it is the only field that may hold a comma.
var nvidiaQuery = []string{"--query-gpu=utilization.gpu,memory.used,memory.total,name", "--format=csv,noheader,nounits"}

// gpuSampler reads the GPUs' use at most every gpuEvery and repeats its last
// reading in between.
type gpuSampler struct {
	nvidiaSMI string // path of nvidia-smi; "" when absent
	sysfs     string // the drm class folder, /sys/class/drm on Linux
	now       func() time.Time

	mu   sync.Mutex
	last []model.GPUStats
	at   time.Time
}

var (
	gpusOnce sync.Once
	gpus     *gpuSampler
)

// gpuStats returns this computer's GPUs' use: NVIDIA cards through
// nvidia-smi, AMD cards through the amdgpu driver's sysfs files (Linux). A
// card whose use cannot be read is left out, so nil means "no GPU use known",
// never "idle".
func gpuStats() []model.GPUStats {
	gpusOnce.Do(func() {
		smi, _ := exec.LookPath("nvidia-smi")
		gpus = &gpuSampler{nvidiaSMI: smi, sysfs: "/sys/class/drm", now: time.Now}
	})
	return gpus.sample()
}

func (g *gpuSampler) sample() []model.GPUStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	if !g.at.IsZero() && now.Sub(g.at) < gpuEvery {
		return g.last
	}
	g.at = now
	var out []model.GPUStats
	if g.nvidiaSMI != "" {
		ctx, cancel := context.WithTimeout(context.Background(), gpuTimeout)
		b, err := exec.CommandContext(ctx, g.nvidiaSMI, nvidiaQuery...).Output()
		cancel()
		if err == nil {
			out = append(out, parseNvidiaSMI(string(b))...)
		}
	}
	out = append(out, amdGPUs(g.sysfs)...)
	g.last = out
	return out
}

// parseNvidiaSMI reads nvidia-smi's CSV answer to nvidiaQuery: per line the
// busy percent, memory used and total in MiB, and the card's name. A line
// whose busy share is not a number ("[N/A]", "[Not Supported]") is skipped;
// an unreadable memory figure is left 0.
func parseNvidiaSMI(out string) []model.GPUStats {
	var gs []model.GPUStats
	for line := range strings.Lines(out) {
		f := strings.SplitN(strings.TrimSpace(line), ",", 4)
		if len(f) < 3 {
			continue
		}
		busy, err := strconv.ParseFloat(strings.TrimSpace(f[0]), 64)
		if err != nil {
			continue
		}
		g := model.GPUStats{BusyPercent: busy}
		g.MemUsedMB, _ = strconv.ParseUint(strings.TrimSpace(f[1]), 10, 64)
		g.MemTotalMB, _ = strconv.ParseUint(strings.TrimSpace(f[2]), 10, 64)
		if len(f) == 4 {
			g.Name = strings.TrimSpace(f[3])
		}
		gs = append(gs, g)
	}
	return gs
}

// amdGPUs reads the amdgpu driver's files under drm (the /sys/class/drm
// folder): card*/device/gpu_busy_percent, and mem_info_vram_used and
// mem_info_vram_total (bytes) beside it when present. Cards without a
// readable busy percent (other drivers) are left out. Connector entries
// (card0-DP-1) are not cards and are skipped.
func amdGPUs(drm string) []model.GPUStats {
	cards, _ := filepath.Glob(filepath.Join(drm, "card*", "device", "gpu_busy_percent"))
	sort.Strings(cards)
	var gs []model.GPUStats
	for _, busyFile := range cards {
		card := filepath.Base(filepath.Dir(filepath.Dir(busyFile)))
		if strings.Contains(card, "-") {
			continue
		}
		busy, ok := readNumber(busyFile)
		if !ok {
			continue
		}
		dev := filepath.Dir(busyFile)
		g := model.GPUStats{Name: card, BusyPercent: float64(busy)}
		if used, ok := readNumber(filepath.Join(dev, "mem_info_vram_used")); ok {
			g.MemUsedMB = used >> 20
		}
		if total, ok := readNumber(filepath.Join(dev, "mem_info_vram_total")); ok {
			g.MemTotalMB = total >> 20
		}
		gs = append(gs, g)
	}
	return gs
}

func readNumber(path string) (uint64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	return n, err == nil
}
