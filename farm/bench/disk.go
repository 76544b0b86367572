package bench

import (
	"fmt"
	"os"
	"slices"
	"time"
)

// DiskSync is how long the disk under a directory takes to make a small
// write durable: a 4 KiB write and an fsync, as bbolt makes two of per
// commit. On a disk whose sync is slow, or whose slowest syncs are, every
// worker waits for them: they bound the schedule latency from below, however
// fast the manager is.
type DiskSync struct {
	Dir      string
	P50, P99 time.Duration
	Syncs    int
}

// diskSyncs is how many syncs measureDiskSync makes: enough for a p99.
const diskSyncs = 200

// measureDiskSync times diskSyncs rewrites-and-fsyncs of a 4 KiB block in a
// scratch file in dir, which it removes.
func measureDiskSync(dir string) (DiskSync, error) {
	f, err := os.CreateTemp(dir, "farmhand-bench-sync-*")
	if err != nil {
		return DiskSync{}, fmt.Errorf("measuring the disk's sync time: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	block := make([]byte, 4096)
	times := make([]time.Duration, diskSyncs)
	for i := range times {
		block[0] = byte(i)
		t0 := time.Now()
		if _, err := f.WriteAt(block, 0); err != nil {
			return DiskSync{}, fmt.Errorf("measuring the disk's sync time: %w", err)
		}
		if err := f.Sync(); err != nil {
			return DiskSync{}, fmt.Errorf("measuring the disk's sync time: %w", err)
		}
		times[i] = time.Since(t0)
	}
	slices.Sort(times)
	return DiskSync{Dir: dir, P50: percentile(times, 0.50), P99: percentile(times, 0.99), Syncs: diskSyncs}, nil
}
