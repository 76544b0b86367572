package worker

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"farmhand/farm/api/client"
	"farmhand/farm/rendered"
)

// uploader sends the newest image a task produced to the manager, as the job's
// last-rendered image. Only the newest counts: while one upload is under way,
// newer images replace each other and the older ones are never sent, so a fast
// render does not queue up uploads.
type uploader struct {
	cl  *client.Client
	log *slog.Logger

	mu   sync.Mutex
	next *shot // waiting to be sent
	wake chan struct{}
}

type shot struct {
	taskID, path string
}

func newUploader(cl *client.Client, log *slog.Logger) *uploader {
	return &uploader{cl: cl, log: log, wake: make(chan struct{}, 1)}
}

// offer queues path (replacing whatever waited) if it is an image the manager
// takes; others (EXR, say) are skipped.
func (u *uploader) offer(taskID, path string) {
	if contentType(path) == "" {
		return
	}
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
		u.mu.Unlock()
		if p != nil {
			u.send(ctx, p)
		}
	}
}

func (u *uploader) send(ctx context.Context, p *shot) {
	data, err := os.ReadFile(p.path)
	if err != nil {
		u.log.Warn("reading rendered image", "file", p.path, "err", err)
		return
	}
	if len(data) > rendered.MaxUpload {
		u.log.Info("rendered image too large to show as last rendered", "file", p.path, "bytes", len(data))
		return
	}
	if _, err := u.cl.UploadRendered(ctx, p.taskID, contentType(p.path), data); err != nil {
		// Not worth a retry: the next frame brings a newer image.
		u.log.Debug("sending rendered image", "file", p.path, "err", err)
	}
}

func contentType(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	}
	return ""
}
