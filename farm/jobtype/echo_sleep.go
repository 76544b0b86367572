package jobtype

import (
	"fmt"

	"farmhand/farm/model"
)

// echoSleepTest is the farm's smoke test: one task per chunk of frames, each
// echoing a message and sleeping. It needs nothing but a worker.
func echoSleepTest() *JobType {
	return &JobType{
		Name:        "echo-sleep-test",
		Label:       "Echo Sleep Test",
		Description: "Echo a message and sleep, once per chunk of frames; checks that the farm works.",
		Settings: []Setting{
			{Key: "frames", Type: TypeString, Label: "Frames", Description: `Frame range, e.g. "1-100" or "1, 5, 10-20".`, Default: "1-10", Required: true},
			{Key: "chunk_size", Type: TypeInt32, Label: "Chunk size", Description: "Frames per task.", Default: 1},
			{Key: "sleep_seconds", Type: TypeFloat, Label: "Sleep", Description: "Seconds each task sleeps.", Default: 1.0},
			{Key: "message", Type: TypeString, Label: "Message", Description: "What each task echoes.", Default: "Hello from Farmhand"},
		},
		compile: compileEchoSleep,
	}
}

func compileEchoSleep(job *model.Job) ([]TaskSpec, error) {
	frames, err := ParseFrames(job.Settings["frames"].(string))
	if err != nil {
		return nil, err
	}
	chunk := job.Settings["chunk_size"].(int)
	if chunk < 1 {
		return nil, fmt.Errorf("chunk_size must be at least 1, not %d", chunk)
	}
	sleep := job.Settings["sleep_seconds"].(float64)
	if sleep < 0 {
		return nil, fmt.Errorf("sleep_seconds cannot be negative (%v)", sleep)
	}
	message := job.Settings["message"].(string)
	var tasks []TaskSpec
	for _, c := range ChunkFrames(frames, chunk) {
		tasks = append(tasks, TaskSpec{
			Name:     "echo-" + c,
			Type:     "misc",
			Priority: 50,
			Commands: []model.Command{
				{Name: "echo", Parameters: map[string]any{"message": fmt.Sprintf("%s (frames %s)", message, c)}},
				{Name: "sleep", Parameters: map[string]any{"duration_in_seconds": sleep}},
			},
		})
	}
	return tasks, nil
}
