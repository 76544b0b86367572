package app

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"farmhand/internal/farmtest"
)

// TestDoorShowsTheJobAsked: `farmhand open` and the add-on reach the running
// app's door, which shows the job, or says why not.
func TestDoorShowsTheJobAsked(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	shown := make(chan string, 1)
	closeDoor, err := openDoor(ctx, dir, func(_ context.Context, id string) error {
		if id == "elsewhere" {
			return errors.New("job elsewhere is not on the farm this window shows")
		}
		shown <- id
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, doorFileName)
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("door file: %v, %v; want mode 0600", fi, err)
	}

	if err := knockDoor(ctx, dir, "job-1"); err != nil {
		t.Fatal(err)
	}
	if got := <-shown; got != "job-1" {
		t.Errorf("shown %q", got)
	}
	if err := knockDoor(ctx, dir, "elsewhere"); err == nil || !strings.Contains(err.Error(), "not on the farm this window shows") {
		t.Errorf("a job of another farm: %v", err)
	}

	closeDoor()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the door file outlived the app: %v", err)
	}
	if err := knockDoor(ctx, dir, "job-1"); !errors.Is(err, errNoDesktop) {
		t.Errorf("no app running: %v", err)
	}
}

// TestDoorLeftByAKilledApp: a door file whose app is gone reads as "not
// running", not as a connection error.
func TestDoorLeftByAKilledApp(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	closeDoor, err := openDoor(ctx, dir, func(context.Context, string) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	d, err := readDoor(filepath.Join(dir, doorFileName))
	if err != nil {
		t.Fatal(err)
	}
	cancel() // the server stops, the file stays: as after kill -9
	waitClosed(t, d.URL)
	if err := knockDoor(context.Background(), dir, "job-1"); !errors.Is(err, errNoDesktop) {
		t.Errorf("a stale door: %v", err)
	}
	closeDoor()
}

// TestDoorWantsTheToken: another local user's program that guesses the port
// is turned away.
func TestDoorWantsTheToken(t *testing.T) {
	dir := t.TempDir()
	closeDoor, err := openDoor(context.Background(), dir, func(context.Context, string) error {
		t.Error("shown without the token")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer closeDoor()
	d, err := readDoor(filepath.Join(dir, doorFileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, auth := range []string{"", "Bearer wrong"} {
		req, _ := http.NewRequest(http.MethodPost, d.URL+"/show", strings.NewReader(`{"job_id":"job-1"}`))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("auth %q: status %d, want 401", auth, resp.StatusCode)
		}
	}
}

func waitClosed(t *testing.T, url string) {
	t.Helper()
	farmtest.Eventually(t, "the door to close after its app stopped", 10*time.Second, func() bool {
		resp, err := http.Post(url+"/show", "application/json", nil)
		if err != nil {
			return true
		}
		resp.Body.Close()
		return false
	})
}
