package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/manager"
)

// BenchmarkTaskList100k is the task list of a 100,000-task job over HTTP on
// 127.0.0.1 (issue 16, item 3: under 300 ms and 10 MB). "answer" is the
// manager's answer as a browser or curl gets it, gzip-compressed, read to the
// last byte; "client" adds the Go client's decoding, as the GUI waits for it;
// "unchanged" is a reload the manager answers 304 to. Metrics: wire-MB is
// the compressed answer, json-MB the list uncompressed.
func BenchmarkTaskList100k(b *testing.B) {
	f := newTestFarm(b)
	job, err := f.m.Submit(manager.Submission{Name: "big", Type: "echo-sleep-test",
		Settings: map[string]any{"frames": "1-100000", "sleep_seconds": 0}})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(f.s)
	defer srv.Close()
	for _, fields := range []string{"all", "compact"} {
		path := srv.URL + "/api/v1/jobs/" + job.ID + "/tasks?fields=" + fields
		b.Run(fields+"/answer", func(b *testing.B) {
			var wire, plain int
			for b.Loop() {
				wire = get(b, path, f.artistToken, "gzip")
			}
			b.StopTimer()
			plain = get(b, path, f.artistToken, "")
			b.ReportMetric(float64(wire)/1e6, "wire-MB")
			b.ReportMetric(float64(plain)/1e6, "json-MB")
		})
		list := func(c *client.Client) error {
			var err error
			if fields == "compact" {
				_, err = c.TasksCompact(b.Context(), job.ID)
			} else {
				_, err = c.Tasks(b.Context(), job.ID)
			}
			return err
		}
		b.Run(fields+"/client", func(b *testing.B) {
			for b.Loop() {
				if err := list(client.New(srv.URL).WithToken(f.artistToken)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fields+"/unchanged", func(b *testing.B) {
			c := client.New(srv.URL).WithToken(f.artistToken)
			if err := list(c); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if err := list(c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// get fetches url with the given Accept-Encoding, leaving the answer as sent,
// and returns its size in bytes.
func get(b *testing.B, url, token, encoding string) int {
	req, err := http.NewRequestWithContext(b.Context(), http.MethodGet, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set(wire.APIVersionHeader, strconv.Itoa(wire.APIVersion))
	req.Header.Set("Accept-Encoding", encoding) // set: the transport leaves gzip packed
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != encoding {
		b.Fatalf("%s: %d bytes, %v, encoding %q", resp.Status, n, err, resp.Header.Get("Content-Encoding"))
	}
	return int(n)
}
