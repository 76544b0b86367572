package jobtype

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// specs checks the tasks a script authored and turns them into TaskSpecs:
// every task needs a name, a well-formed type and at least one command,
// and dependencies must not form a cycle. Reading the tasks (task.read) has
// already made sure dependencies are tasks of this job.
func (j *authoredJob) specs() ([]TaskSpec, error) {
	if len(j.Tasks) == 0 {
		return nil, errors.New("the script added no tasks to the job")
	}
	specs := make([]TaskSpec, len(j.Tasks))
	for i, t := range j.Tasks {
		switch {
		case strings.TrimSpace(t.Name) == "":
			return nil, fmt.Errorf("task #%d has no name", i+1)
		case CheckTaskType(t.Type) != nil:
			return nil, fmt.Errorf("task %q: %w", t.Name, CheckTaskType(t.Type))
		case len(t.Commands) == 0:
			return nil, fmt.Errorf("task %q has no commands; add some with task.addCommand(author.Command(...))", t.Name)
		case t.Priority != math.Trunc(t.Priority) || math.Abs(t.Priority) > math.MaxInt32:
			return nil, fmt.Errorf("task %q has priority %v; it must be a whole number", t.Name, t.Priority)
		}
		for k, c := range t.Commands {
			if strings.TrimSpace(c.Name) == "" {
				return nil, fmt.Errorf("task %q: command #%d has no name", t.Name, k+1)
			}
			if c.TotalSteps < 0 {
				return nil, fmt.Errorf("task %q: command %q has a negative step count", t.Name, c.Name)
			}
		}
		s := TaskSpec{Name: t.Name, Type: t.Type, Priority: int(t.Priority), Commands: t.Commands}
		for _, d := range t.DependsOn {
			if d < 0 || d >= len(j.Tasks) {
				return nil, fmt.Errorf("task %q depends on task #%d, which the job does not have", t.Name, d+1)
			}
		}
		s.DependsOn = slices.Compact(slices.Sorted(slices.Values(t.DependsOn)))
		specs[i] = s
	}
	return specs, checkCycles(specs)
}

// checkCycles refuses tasks that wait for each other, which would never run.
// It peels off tasks whose dependencies can all complete (Kahn's algorithm);
// every task left then waits for another task left, so following those waits
// must come back to a task already seen: that loop is named in the error.
func checkCycles(specs []TaskSpec) error {
	waiting := make([]int, len(specs))
	dependents := make([][]int, len(specs))
	var ready []int
	for i, s := range specs {
		waiting[i] = len(s.DependsOn)
		for _, d := range s.DependsOn {
			dependents[d] = append(dependents[d], i)
		}
		if waiting[i] == 0 {
			ready = append(ready, i)
		}
	}
	for len(ready) > 0 {
		i := ready[len(ready)-1]
		ready = ready[:len(ready)-1]
		for _, k := range dependents[i] {
			if waiting[k]--; waiting[k] == 0 {
				ready = append(ready, k)
			}
		}
	}
	start := slices.IndexFunc(waiting, func(n int) bool { return n > 0 })
	if start < 0 {
		return nil
	}
	seen := map[int]int{} // task → position in path
	var path []int
	for i := start; ; {
		if p, ok := seen[i]; ok {
			return cycleError(specs, path[p:])
		}
		seen[i] = len(path)
		path = append(path, i)
		for _, d := range specs[i].DependsOn {
			if waiting[d] > 0 {
				i = d
				break
			}
		}
	}
}

func cycleError(specs []TaskSpec, cycle []int) error {
	const show = 10
	names := make([]string, 0, show+2)
	for k, i := range cycle {
		if k == show {
			names = append(names, fmt.Sprintf("… %d more", len(cycle)-show))
			break
		}
		names = append(names, fmt.Sprintf("%q", specs[i].Name))
	}
	names = append(names, fmt.Sprintf("%q", specs[cycle[0]].Name))
	return fmt.Errorf("tasks wait for each other in a cycle and would never run: %s (each waits for the next)",
		strings.Join(names, " → "))
}
