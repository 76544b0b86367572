package sched

import (
	"fmt"
	"sync"
	"testing"

	"farmhand/farm/model"
)

func mkJob(id string, prio int, seq uint64, tags ...string) *model.Job {
	return &model.Job{ID: id, Priority: prio, Seq: seq, Status: model.JobQueued, RequiredTags: tags}
}

func mkTasks(jobID string, n int, typ string) []*model.Task {
	ts := make([]*model.Task, n)
	for i := range ts {
		ts[i] = &model.Task{ID: model.TaskID(jobID, i), JobID: jobID, Index: i, Type: typ, Priority: 50, Status: model.TaskQueued}
	}
	return ts
}

var renderer = Worker{ID: "w1", TaskTypes: []string{"misc", "blender"}}

func TestPickOrder(t *testing.T) {
	ix := New()
	ix.Load(mkJob("low", 10, 1), mkTasks("low", 2, "misc"))
	ix.Load(mkJob("old", 50, 2), mkTasks("old", 2, "misc"))
	ix.Load(mkJob("new", 50, 3), mkTasks("new", 2, "misc"))
	urgent := mkTasks("new2", 2, "misc")
	urgent[1].Priority = 90
	ix.Load(mkJob("new2", 50, 4), urgent)

	var got []string
	for {
		c, ok := ix.Pick(renderer)
		if !ok {
			break
		}
		got = append(got, c.TaskID)
	}
	want := "[new2.1 old.0 old.1 new.0 new.1 new2.0 low.0 low.1]"
	if fmt.Sprint(got) != want {
		t.Errorf("order %v\nwant  %s", got, want)
	}
}

func TestPickRespectsTypesTagsFailuresAndDependencies(t *testing.T) {
	ix := New()
	tasks := mkTasks("j", 4, "misc")
	tasks[1].Type = "ffmpeg"
	tasks[2].FailedBy = []string{"w1"}
	tasks[3].DependsOn = []int{0}
	ix.Load(mkJob("j", 50, 1), tasks)
	ix.Load(mkJob("gpu", 99, 2, "gpu"), mkTasks("gpu", 1, "misc"))

	c, ok := ix.Pick(renderer)
	if !ok || c.TaskID != "j.0" {
		t.Fatalf("first pick %v %v, want j-0 (gpu job needs a tag, j-1 a type, j-2 was failed by w1, j-3 waits for j-0)", c, ok)
	}
	if c, ok := ix.Pick(renderer); ok {
		t.Fatalf("second pick %v while j-3 still waits for j-0", c)
	}
	if c, ok := ix.Pick(Worker{ID: "w2", TaskTypes: []string{"misc"}}); !ok || c.TaskID != "j.2" {
		t.Fatalf("another worker got %v %v, want j-2", c, ok)
	}
	tasks[0].Status = model.TaskCompleted
	ix.UpdateTask(tasks[0])
	if c, ok := ix.Pick(renderer); !ok || c.TaskID != "j.3" {
		t.Fatalf("after j-0 completed: %v %v, want j-3", c, ok)
	}
	if c, ok := ix.Pick(Worker{ID: "w3", TaskTypes: []string{"misc"}, Tags: []string{"gpu", "big"}}); !ok || c.TaskID != "gpu.0" {
		t.Fatalf("tagged worker got %v %v, want gpu-0", c, ok)
	}
}

func TestReleaseAndRequeue(t *testing.T) {
	ix := New()
	tasks := mkTasks("j", 2, "misc")
	tasks[1].DependsOn = []int{0}
	ix.Load(mkJob("j", 50, 1), tasks)
	c, _ := ix.Pick(renderer)
	ix.Release(c)
	if c2, _ := ix.Pick(renderer); c2 != c {
		t.Fatalf("released task not picked again: %v", c2)
	}
	tasks[0].Status = model.TaskCompleted
	ix.UpdateTask(tasks[0])
	tasks[0].Status = model.TaskQueued // requeued: its dependent must wait again
	ix.UpdateTask(tasks[0])
	if c, _ := ix.Pick(renderer); c.TaskID != "j.0" {
		t.Fatalf("got %v, want j-0", c)
	}
	if c, ok := ix.Pick(renderer); ok {
		t.Fatalf("got %v while j-1 waits for requeued j-0", c)
	}
}

func TestPausedJobIsNotPicked(t *testing.T) {
	ix := New()
	j := mkJob("j", 50, 1)
	ix.Load(j, mkTasks("j", 1, "misc"))
	j.Status = model.JobPauseRequested
	ix.UpdateJob(j)
	if _, ok := ix.Pick(renderer); ok {
		t.Fatal("picked from a pausing job")
	}
	j.Status = model.JobPaused
	ix.UpdateJob(j)
	if ix.Ready() != 0 {
		t.Fatal("paused job still indexed")
	}
	j.Status = model.JobQueued
	if ix.UpdateJob(j) {
		t.Fatal("UpdateJob claimed to know a job it dropped")
	}
}

func TestConcurrentPicksAreDistinct(t *testing.T) {
	ix := New()
	ix.Load(mkJob("j", 50, 1), mkTasks("j", 10, "misc"))
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for w := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if c, ok := ix.Pick(Worker{ID: fmt.Sprint(w), TaskTypes: []string{"misc"}}); ok {
				mu.Lock()
				seen[c.TaskID]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 10 {
		t.Fatalf("%d distinct tasks picked, want 10", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("task %s picked %d times", id, n)
		}
	}
}

// BenchmarkPick100k measures picking and assigning one task with 100,000 queued
// tasks in the farm (ten jobs of 10,000).
func BenchmarkPick100k(b *testing.B) {
	ix := New()
	all := map[string][]*model.Task{}
	for j := range 10 {
		id := fmt.Sprintf("job%d", j)
		all[id] = mkTasks(id, 10_000, "misc")
		ix.Load(mkJob(id, 50, uint64(j+1)), all[id])
	}
	w := Worker{ID: "w", TaskTypes: []string{"misc"}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, ok := ix.Pick(w)
		if !ok {
			b.StopTimer()
			for id, ts := range all { // farm drained: requeue everything
				for _, t := range ts {
					t.Status = model.TaskQueued
					ix.UpdateTask(t)
				}
				_ = id
			}
			b.StartTimer()
			continue
		}
		t := all[c.JobID][c.Index]
		t.Status = model.TaskActive
		ix.UpdateTask(t)
	}
}

func TestBlocklistedWorkerSkipsThatType(t *testing.T) {
	ix := New()
	j := mkJob("j", 50, 1)
	tasks := mkTasks("j", 2, "misc")
	tasks[1].Type = "blender"
	j.Blocklist = []model.BlockEntry{{WorkerID: "w1", TaskType: "misc"}}
	ix.Load(j, tasks)
	if c, ok := ix.Pick(renderer); !ok || c.TaskID != "j.1" {
		t.Fatalf("blocklisted worker got %v %v, want the blender task", c, ok)
	}
	if c, ok := ix.Pick(Worker{ID: "w2", TaskTypes: []string{"misc"}}); !ok || c.TaskID != "j.0" {
		t.Fatalf("other worker got %v %v", c, ok)
	}
	j.Blocklist = nil
	ix.UpdateJob(j)
}
