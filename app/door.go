package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The desktop door lets other programs on this computer — the Blender add-on's
// "Open in Farmhand", `farmhand open JOB` — ask the running desktop app to show
// a job, instead of starting a second app. The app listens on 127.0.0.1 at a
// random port and writes where, with a random token, to a file only this user
// can read (doorFileName in the default data directory, the place the add-on
// also computes); whoever can read it may knock. The file goes when the app
// quits; a file left by a killed app points at a closed port, which knocking
// reports as "not running".

// doorFileName is the door's file in the default data directory.
const doorFileName = "desktop.json"

// errNoDesktop: no desktop app runs on this computer for this user.
var errNoDesktop = errors.New("the Farmhand desktop app is not running on this computer")

// door is what doorFileName holds (JSON): url is http://127.0.0.1:PORT, token
// 64 hex digits, pid the app's process.
type door struct {
	URL   string `json:"url"`
	Token string `json:"token"`
	PID   int    `json:"pid"`
}

// showRequest is the body of POST /show.
type showRequest struct {
	JobID string `json:"job_id"`
}

// openDoor serves the door until ctx ends, writing its file into dir (0600).
// show is called with the job to show; its error (e.g. no such job on this
// window's farm) goes back to the caller as 404 with its text. The returned
// func closes the door and removes the file (call it before exiting).
func openDoor(ctx context.Context, dir string, show func(ctx context.Context, jobID string) error) (func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("opening the desktop door: %w", err)
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		ln.Close()
		return nil, fmt.Errorf("making the desktop door's token: %w", err)
	}
	d := door{URL: "http://" + ln.Addr().String(), Token: hex.EncodeToString(secret), PID: os.Getpid()}
	path := filepath.Join(dir, doorFileName)
	if err := writeDoor(path, d); err != nil {
		ln.Close()
		return nil, err
	}
	srv := &http.Server{Handler: doorHandler(d.Token, show), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with ErrServerClosed when closed
	stop := context.AfterFunc(ctx, func() { srv.Close() })
	return func() {
		stop()
		srv.Close()
		// Only our own file: a second app may have opened its door since.
		if cur, err := readDoor(path); err == nil && cur.Token == d.Token {
			os.Remove(path)
		}
	}, nil
}

func writeDoor(path string, d door) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("writing the desktop door's file: %w", err)
	}
	b, _ := json.Marshal(d)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("writing the desktop door's file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing the desktop door's file: %w", err)
	}
	return nil
}

func readDoor(path string) (door, error) {
	var d door
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return d, errNoDesktop
	}
	if err != nil {
		return d, fmt.Errorf("reading the desktop door's file: %w", err)
	}
	if err := json.Unmarshal(b, &d); err != nil || !strings.HasPrefix(d.URL, "http://127.0.0.1:") || d.Token == "" {
		return d, fmt.Errorf("%s is not a desktop door's file", path)
	}
	return d, nil
}

func doorHandler(token string, show func(context.Context, string) error) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /show", func(w http.ResponseWriter, r *http.Request) {
		got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			http.Error(w, "wrong or missing token", http.StatusUnauthorized)
			return
		}
		var req showRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&req); err != nil || req.JobID == "" {
			http.Error(w, `the body must be {"job_id": "…"}`, http.StatusBadRequest)
			return
		}
		if err := show(r.Context(), req.JobID); err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

// knockDoor asks the desktop app whose door file is in dir to show the job.
// Errors: errNoDesktop when no app runs (no file, or nobody listens), else
// the app's answer (e.g. the job is not on the farm its window shows).
func knockDoor(ctx context.Context, dir, jobID string) error {
	d, err := readDoor(filepath.Join(dir, doorFileName))
	if err != nil {
		return err
	}
	body, _ := json.Marshal(showRequest{JobID: jobID})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL+"/show", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("asking the desktop app to show job %s: %w", jobID, err)
	}
	req.Header.Set("Authorization", "Bearer "+d.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return errNoDesktop // a file left by an app that was killed
		}
		return fmt.Errorf("asking the desktop app to show job %s: %w", jobID, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("the desktop app cannot show job %s: %s", jobID, strings.TrimSpace(string(msg)))
	}
	return nil
}

// runOpen is `farmhand open JOB`: the running desktop app shows the job.
func runOpen(e *env, args []string) error {
	fs := newFlags(e, "open", "open JOB_ID")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		fs.Usage()
		return fmt.Errorf("%w: open takes one job id", errUsage)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := knockDoor(ctx, defaultDataDir(), rest[0]); err != nil {
		if errors.Is(err, errNoDesktop) {
			return fmt.Errorf("%w: start Farmhand, or see the job with `farmhand job %s`", err, rest[0])
		}
		return err
	}
	return nil
}
