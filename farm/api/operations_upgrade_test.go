package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"farmhand/farm/api"
	"farmhand/farm/api/wire"
	"farmhand/farm/files"
	"farmhand/farm/model"
	"farmhand/farm/upgrade"
)

// The subtests of TestEveryOperationAgainstTheDocument for workers'
// upgrades (issue 15, item 4), added to its table.
func init() {
	operations = append(operations, []struct {
		id  string
		run func(*testing.T, *opFarm)
	}{
		{"listBinaries", testListBinaries}, {"getBinary", testGetBinary}, {"reportUpgrade", testReportUpgrade},
	}...)
}

// ownBinary is the binary the test manager hands out for its own platform:
// this test program, as its executable.
func ownBinary(t *testing.T, f *opFarm) wire.Binary {
	t.Helper()
	w := f.worker()
	list, err := w.cl.Binaries(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	platform := runtime.GOOS + "-" + runtime.GOARCH
	for _, b := range list.Binaries {
		if b.Platform == platform {
			return b
		}
	}
	t.Fatalf("no %s binary in %+v", platform, list)
	return wire.Binary{}
}

func testListBinaries(t *testing.T, f *opFarm) {
	b := ownBinary(t, f)
	exe, _ := upgrade.Executable()
	sum, size, err := files.HashFile(exe)
	if err != nil || b.SHA256 != sum || b.Size != size || b.Version != "test" || b.OS != runtime.GOOS {
		t.Errorf("own binary %+v, want version test, SHA-256 %s, %d bytes (%v)", b, sum, size, err)
	}
	_, err = f.anon.Binaries(f.ctx)
	wantStatus(t, err, 401)
}

func testGetBinary(t *testing.T, f *opFarm) {
	b := ownBinary(t, f)
	w := f.worker()
	whole := read(t)(w.cl.OpenBinary(f.ctx, b.Platform, 0))
	if int64(len(whole)) != b.Size {
		t.Fatalf("downloaded %d bytes, the list says %d", len(whole), b.Size)
	}
	// A broken download resumes with a Range request.
	tail := read(t)(w.cl.OpenBinary(f.ctx, b.Platform, b.Size-100))
	if !bytes.Equal(tail, whole[len(whole)-100:]) {
		t.Errorf("the last 100 bytes from a Range request differ from the whole file's")
	}
	_, err := w.cl.OpenBinary(f.ctx, "plan9-386", 0)
	wantStatus(t, err, 404)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(api.BinariesDir, "farmhand-plan9-386")) {
		t.Errorf("error %v, want it to say where a binary would go", err)
	}
	_, err = w.cl.OpenBinary(f.ctx, "linux", 0)
	wantStatus(t, err, 400)
	_, err = f.anon.OpenBinary(f.ctx, b.Platform, 0)
	wantStatus(t, err, 401)
}

// read returns a function that reads a download whole, failing the test
// on any error.
func read(t *testing.T) func(io.ReadCloser, error) []byte {
	return func(body io.ReadCloser, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer body.Close()
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}

func testReportUpgrade(t *testing.T, f *opFarm) {
	w := f.worker()
	// A worker on the version the manager hands out has nothing to upgrade to.
	_, err := f.cl.WorkerAction(f.ctx, w.id, model.WorkerUpgrade, false)
	wantStatus(t, err, 400)
	if err == nil || !strings.Contains(err.Error(), "already runs test") {
		t.Errorf("asking an up-to-date worker to upgrade: %v", err)
	}
	// An older worker signs on.
	if _, err := w.wk.SignOn(f.ctx, wire.WorkerRegistration{Name: "box", Platform: runtime.GOOS, Version: "0.0.9",
		TaskTypes: []string{"misc"}}); err != nil {
		t.Fatal(err)
	}
	asked, err := f.cl.WorkerAction(f.ctx, w.id, model.WorkerUpgrade, false)
	if err != nil || asked.StatusRequested != model.WorkerUpgradeRequested || !asked.Lazy {
		t.Fatalf("asking for an upgrade: %+v %v", asked, err)
	}
	// The worker learns of it when it asks for work, as of any status request.
	if _, change, err := w.wk.Schedule(f.ctx); err != nil || change == nil || change.StatusRequested != model.WorkerUpgradeRequested {
		t.Fatalf("schedule answered %+v %v, want the upgrade request", change, err)
	}
	done, err := w.wk.ReportUpgrade(f.ctx, wire.UpgradeReport{From: "0.0.9", To: "test", Problem: "no binary"})
	if err != nil || done.StatusRequested != "" || done.Status != model.WorkerAwake {
		t.Fatalf("after the report: %+v %v, want the request dropped", done, err)
	}
	other := f.join("other")
	_, err = other.wk.ReportUpgrade(f.ctx, wire.UpgradeReport{From: "x"})
	wantStatus(t, err, 404) // joined, never signed on: no such worker
	_, err = f.anon.AsWorker(w.id, "").ReportUpgrade(f.ctx, wire.UpgradeReport{From: "x"})
	wantStatus(t, err, 401)
}

// A binary in the data folder's binaries/ is handed out, and wins over the
// manager's own executable for the same platform.
func TestBinariesFromTheDataFolderWinOverTheManagersOwn(t *testing.T) {
	cl, _, m := startServer(t)
	exe, err := upgrade.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(m.Config().DataDir, api.BinariesDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	// The test program built without -X: its version is "unknown".
	if err := os.WriteFile(filepath.Join(dir, upgrade.FileName(runtime.GOOS, runtime.GOARCH)), b, 0o755); err != nil {
		t.Fatal(err)
	}
	list, err := cl.Binaries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Binaries) != 1 || list.Binaries[0].Version != "unknown" || list.ManagerVersion != "test" {
		t.Errorf("binaries %+v, want only the folder's, of version unknown, beside manager version test", list)
	}
}

// A client one API version older than this manager's oldest, or newer than
// its newest, is refused with a message naming the side to upgrade.
func TestAPIVersionsTooFarApartAreRefusedNamingTheSideToUpgrade(t *testing.T) {
	cl, _, _ := startServer(t)
	for _, c := range []struct {
		version int
		want    string
	}{
		{wire.APIVersion + 1, "upgrade this manager"},
		{wire.APIOldest - 1, "upgrade the client"},
	} {
		req, _ := http.NewRequest("GET", cl.BaseURL()+"/api/v1/version", nil)
		req.Header.Set(wire.APIVersionHeader, strconv.Itoa(c.version))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e wire.Error
		err = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 400 || !strings.Contains(e.Message, c.want) {
			t.Errorf("API %d: %d %q (%v), want 400 saying %q", c.version, resp.StatusCode, e.Message, err, c.want)
		}
	}
	for _, v := range []int{wire.APIOldest, wire.APIVersion} {
		req, _ := http.NewRequest("GET", cl.BaseURL()+"/api/v1/version", nil)
		req.Header.Set(wire.APIVersionHeader, strconv.Itoa(v))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("API %d: %d, want it served", v, resp.StatusCode)
		}
	}
}
