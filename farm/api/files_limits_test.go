package api_test

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"farmhand/farm/api/wire"
)

// TestOutputUploadsAreBounded: an output file over the farm's max_file_size
// is refused with 413 naming the limit, with a Content-Length or without one
// (read up to the limit, then refused), and nothing is kept of it. This is
// the size test of uploadJobOutput, whose limit is a setting (see bodyRoute's
// elsewhere).
func TestOutputUploadsAreBounded(t *testing.T) {
	f := newOpFarm(t)
	limit := int64(1 << 20)
	if _, err := f.cl.UpdateConfig(f.ctx, wire.ConfigUpdate{MaxFileSize: &limit}); err != nil {
		t.Fatal(err)
	}
	job, w := f.readyUploadJob()
	body := bytes.Repeat([]byte{0x89}, int(limit)+1)
	for _, sized := range []bool{true, false} {
		var rd io.Reader = bytes.NewReader(body)
		if !sized {
			rd = io.MultiReader(rd) // no Content-Length
		}
		req, _ := http.NewRequestWithContext(f.ctx, http.MethodPut,
			f.cl.BaseURL()+"/api/v1/jobs/"+job.ID+"/output/file?path=big.exr", rd)
		req.Header.Set("Authorization", "Bearer "+w.token)
		req.Header.Set("Content-Type", "application/octet-stream")
		req.Header.Set(wire.ContentSHA256Header, sum(body))
		req.Header.Set(wire.APIVersionHeader, strconv.Itoa(wire.APIVersion))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(msg), "1 MiB") {
			t.Errorf("sized %v: %d %.300s; want 413 naming 1 MiB", sized, resp.StatusCode, msg)
		}
	}
	list, err := f.cl.Outputs(f.ctx, job.ID)
	if err != nil || len(list.Files) != 0 {
		t.Errorf("outputs after refusals: %+v, %v; want none", list, err)
	}
}
