//go:build unix

package jobtype

import (
	"syscall"
	"testing"
	"time"
)

// BenchmarkCompile100k compiles a 100,000-task job of each built-in job type
// run as JavaScript (a customised copy), with the default budgets (issue 16,
// item 2: under 1.5 s). MiB-heap-peak is how much the heap grew meanwhile;
// cpu-s/op the process's CPU time (the script and the collector), which
// other programs on the machine change less than the elapsed time.
func BenchmarkCompile100k(b *testing.B) {
	for _, typ := range []string{"echo-sleep-test", "simple-blender-render"} {
		b.Run(typ, func(b *testing.B) {
			cpu0 := processCPU(b)
			for b.Loop() {
				tasks, grown, err := compileBig(b.TempDir(), typ, 100_000)
				if err != nil || len(tasks) != 100_000 {
					b.Fatalf("%d tasks, %v", len(tasks), err)
				}
				b.ReportMetric(float64(grown>>20), "MiB-heap-peak")
			}
			b.ReportMetric((processCPU(b)-cpu0).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}

func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
