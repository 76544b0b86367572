package worker

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
	"time"

	"farmhand/farm/model"
)

func TestParseNvidiaSMI(t *testing.T) {
	out := "35, 1024, 24576, NVIDIA GeForce RTX 3090\n" +
		"[N/A], 10, 100, Some, Odd Card\n" + // busy share unreadable: not shown, not zero
		"7, [N/A], 8192, Tesla T4\n"
	got := parseNvidiaSMI(out)
	want := []model.GPUStats{
		{Name: "NVIDIA GeForce RTX 3090", BusyPercent: 35, MemUsedMB: 1024, MemTotalMB: 24576},
		{Name: "Tesla T4", BusyPercent: 7, MemTotalMB: 8192},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("parsed %+v, want %+v", got, want)
	}
}

func TestAMDGPUsFromSysfs(t *testing.T) {
	drm := t.TempDir()
	writeFile(t, filepath.Join(drm, "card1/device/gpu_busy_percent"), "62\n")
	writeFile(t, filepath.Join(drm, "card1/device/mem_info_vram_used"), "2147483648\n")
	writeFile(t, filepath.Join(drm, "card1/device/mem_info_vram_total"), "8589934592\n")
	writeFile(t, filepath.Join(drm, "card0/device/vendor"), "0x8086\n") // an Intel card: no busy file
	writeFile(t, filepath.Join(drm, "card2/device/gpu_busy_percent"), "garbage\n")
	writeFile(t, filepath.Join(drm, "card1-DP-1/device/gpu_busy_percent"), "1\n")
	got := amdGPUs(drm)
	want := []model.GPUStats{{Name: "card1", BusyPercent: 62, MemUsedMB: 2048, MemTotalMB: 8192}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("read %+v, want %+v", got, want)
	}
	if got := amdGPUs(t.TempDir()); got != nil {
		t.Fatalf("a computer without readable GPUs gave %+v, want nil (not shown, never zero)", got)
	}
}

// TestGPUSamplerRunsNvidiaSMI runs a stand-in nvidia-smi (a shell script that
// checks the query it is given) and checks the reading is reused within
// gpuEvery and renewed after it.
func TestGPUSamplerRunsNvidiaSMI(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in nvidia-smi is a shell script")
	}
	dir := t.TempDir()
	count := filepath.Join(dir, "count")
	smi := filepath.Join(dir, "nvidia-smi")
	writeFile(t, smi, "#!/bin/sh\n"+
		"[ \"$1\" = \"--query-gpu=utilization.gpu,memory.used,memory.total,name\" ] || exit 3\n"+
		"[ \"$2\" = \"--format=csv,noheader,nounits\" ] || exit 4\n"+
		"echo x >> "+count+"\n"+
		"echo '50, 100, 1000, Card A'\n")
	if err := os.Chmod(smi, 0o755); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g := &gpuSampler{nvidiaSMI: smi, sysfs: t.TempDir(), now: func() time.Time { return now }}
	want := []model.GPUStats{{Name: "Card A", BusyPercent: 50, MemUsedMB: 100, MemTotalMB: 1000}}
	for _, step := range []time.Duration{0, time.Second, gpuEvery} {
		now = now.Add(step)
		if got := g.sample(); !reflect.DeepEqual(got, want) {
			t.Fatalf("after %s: sampled %+v, want %+v", step, got, want)
		}
	}
	b, err := os.ReadFile(count)
	if err != nil {
		t.Fatal(err)
	}
	if runs := len(b) / 2; runs != 2 {
		t.Fatalf("nvidia-smi ran %d times for samples at 0 s, 1 s and 1 s + %s; want 2", runs, gpuEvery)
	}
}
