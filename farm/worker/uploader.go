package worker

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os/exec"
	"sync"
	"time"

	"farmhand/farm/api/client"
)

// uploader sends the newest image a task produced to the manager, as the job's
// last-rendered image. Only the newest counts: while one upload is under way,
// newer images replace each other and the older ones are never sent, so a fast
// render does not queue up uploads. Each image is turned into a preview
// first (makePreview), so every format and size Blender writes has one.
type uploader struct {
	cl  *client.Client
	log *slog.Logger
	// tools read the formats Go cannot: FFmpeg, then Blender for what
	// FFmpeg cannot ("" for none).
	tools Tools

	mu      sync.Mutex
	next    *shot         // waiting to be sent
	sending string        // the task whose image is being sent, "" for none
	settled chan struct{} // closed, and replaced, after each send
	wake    chan struct{}
}

type shot struct {
	taskID, path string
}

// newUploader makes an uploader that reads the formats Go cannot (OpenEXR,
// DPX, …) with the FFmpeg and Blender on PATH; useTools sets the worker's
// own.
func newUploader(cl *client.Client, log *slog.Logger) *uploader {
	ffmpeg, _ := exec.LookPath("ffmpeg")
	blender, _ := exec.LookPath("blender")
	return &uploader{cl: cl, log: log, tools: Tools{FFmpeg: ffmpeg, Blender: blender}, wake: make(chan struct{}, 1),
		settled: make(chan struct{})}
}

// useTools sets the FFmpeg and Blender that read the images Go cannot
// decode (the worker's Tools; an empty path leaves the one found on PATH).
// Call it before run.
func (u *uploader) useTools(t Tools) *uploader {
	if t.FFmpeg != "" {
		u.tools.FFmpeg = t.FFmpeg
	}
	if t.Blender != "" {
		u.tools.Blender = t.Blender
	}
	return u
}

// offer queues the image at path (replacing whatever waited).
func (u *uploader) offer(taskID, path string) {
	u.mu.Lock()
	u.next = &shot{taskID, path}
	u.mu.Unlock()
	select {
	case u.wake <- struct{}{}:
	default:
	}
}

func (u *uploader) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-u.wake:
		}
		u.mu.Lock()
		p := u.next
		u.next = nil
		if p != nil {
			u.sending = p.taskID
		}
		u.mu.Unlock()
		if p == nil {
			continue
		}
		u.send(ctx, p)
		u.mu.Lock()
		u.sending = ""
		close(u.settled)
		u.settled = make(chan struct{})
		u.mu.Unlock()
	}
}

// flush returns once no image of the task waits or is being sent, or when
// ctx ends. The manager takes a task's image only while the task is the
// worker's, so a task's last frame (often its only one) must be sent before
// the task reports that it ended; making the preview of a 4K frame takes
// about a second, longer than Blender takes to quit after saving it.
func (u *uploader) flush(ctx context.Context, taskID string) {
	for {
		u.mu.Lock()
		pending := u.sending == taskID || (u.next != nil && u.next.taskID == taskID)
		settled := u.settled
		u.mu.Unlock()
		if !pending {
			return
		}
		select {
		case <-settled:
		case <-ctx.Done():
			return
		}
	}
}

// previewFlushWithin bounds how long a task's end waits for its last image
// to reach the manager: a preview is worth a little wait, not a stuck task.
const previewFlushWithin = 30 * time.Second

// newest reports whether no newer image waits to be sent than p.
func (u *uploader) newest(p *shot) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.next == nil
}

func (u *uploader) send(ctx context.Context, p *shot) {
	data, contentType, err := makePreview(ctx, p.path, u.tools)
	if err != nil {
		u.log.Warn("no last-rendered image for this frame", "task", p.taskID, "err", err)
		return
	}
	if len(data) > maxUpload { // only a preview beyond any real frame's
		u.log.Warn("no last-rendered image for this frame: preview too large", "file", p.path, "bytes", len(data))
		return
	}
	for {
		_, err := u.cl.UploadRendered(ctx, p.taskID, contentType, data)
		var limited *client.Error
		if err == nil || !errors.As(err, &limited) || limited.Status != http.StatusTooManyRequests || !u.newest(p) {
			if err != nil {
				// Not worth a retry: the next frame brings a newer image.
				u.log.Info("sending the last-rendered image", "file", p.path, "err", err)
			}
			return
		}
		// Over the manager's upload rate: this is still the newest frame,
		// the one the windows should show, so it goes once allowed.
		select {
		case <-ctx.Done():
			return
		case <-time.After(max(limited.RetryAfter, time.Second)):
		}
	}
}
