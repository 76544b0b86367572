package ui

import (
	"strings"
	"testing"

	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// formValue is the text of the job page's settings row labelled label.
func formValue(f *widget.Form, label string) string {
	for _, it := range f.Items {
		if it.Text == label {
			if l, ok := it.Widget.(*widget.Label); ok {
				return l.Text
			}
		}
	}
	return ""
}

// TestJobPageShowsStorageAndDownloadsOnlyUploadJobs: the job's page says
// whether its files are shared or uploaded, and offers "Download output…"
// for an upload job only. The test UI's manager is a closed port, so a
// download started there ends with the manager's unreachability said in the
// tab and the button usable again.
func TestJobPageShowsStorageAndDownloadsOnlyUploadJobs(t *testing.T) {
	u := newTestUI(t, nil)
	// Set before the job is shown: showing it starts background fetches
	// (the Output tab's thumbnail) that read u.do.
	updates := make(chan func(), 64)
	u.do = func(f func()) { updates <- f }
	jobs := farmJobs()
	jobs[0].Storage, jobs[0].FilesMissing = "upload", 2
	u.jobs.setAll(jobs)

	u.jobs.selectJob(jobs[0].ID)
	if got := formValue(u.panel.settings, "Storage"); got != "upload (the manager holds the files; 2 still to come)" {
		t.Errorf("storage row of an upload job: %q", got)
	}
	d := u.panel.output.download
	if !d.box.Visible() || d.button.Disabled() {
		t.Fatal("no usable Download output… button on an upload job")
	}
	d.choose = func(then func(string)) { then(t.TempDir()) }
	test.Tap(d.button)
	if !d.button.Disabled() || !d.bar.Visible() {
		t.Error("a running download must show its bar and not start twice")
	}
	deadline := time.After(30 * time.Second)
	for !strings.HasPrefix(d.note.Text, "Download failed") {
		select {
		case f := <-updates:
			f()
		case <-deadline:
			t.Fatalf("the download did not end: note %q", d.note.Text)
		}
	}
	if d.button.Disabled() || !strings.Contains(d.note.Text, "Download again to resume") {
		t.Errorf("after a failed download: button disabled %v, note %q", d.button.Disabled(), d.note.Text)
	}

	u.jobs.selectJob(jobs[1].ID)
	if got := formValue(u.panel.settings, "Storage"); !strings.HasPrefix(got, "shared") {
		t.Errorf("storage row of a shared job: %q", got)
	}
	if d.box.Visible() {
		t.Error("Download output… shown for a job whose output is on shared storage")
	}
}
