package manager

import (
	"fmt"
	"testing"
)

// BenchmarkSubmit10k measures compiling and storing a 10,000-task job.
func BenchmarkSubmit10k(b *testing.B) {
	m := openManagerB(b)
	for i := 0; i < b.N; i++ {
		if _, err := m.Submit(Submission{Name: fmt.Sprint("bench ", i), Type: "echo-sleep-test",
			Settings: map[string]any{"frames": "1-10000", "sleep_seconds": 0.0}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTasks10k measures reading a 10,000-task job's task list.
func BenchmarkTasks10k(b *testing.B) {
	m := openManagerB(b)
	j, err := m.Submit(Submission{Name: "bench", Type: "echo-sleep-test", Settings: map[string]any{"frames": "1-10000"}})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if raw, err := m.TasksJSON(j.ID); err != nil || len(raw) < 10000 {
			b.Fatal(len(raw), err)
		}
	}
}
