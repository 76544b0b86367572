// Package addon carries the Blender add-on (the farmhand/ folder next to this
// file) inside the Farmhand binary, so that a manager can hand it to artists
// (GET /api/v1/addon.zip) and `farmhand addon` can save it, with no copy of
// the source tree around.
package addon

import (
	"archive/zip"
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"sync"
	"time"
)

// FS holds farmhand/*.py and farmhand/blender_manifest.toml, under
// "farmhand/". Named patterns rather than the folder, so that __init__.py is
// in (a folder pattern skips names starting with _) and __pycache__ is not.
//
//go:embed farmhand/*.py farmhand/blender_manifest.toml
var FS embed.FS

// Folder is the add-on's folder in FS and in the zip: the name Blender gives
// the add-on's package.
const Folder = "farmhand"

// InstallHelp says how to install the zip, for `farmhand addon` and the
// window's Settings view, in the words of Blender's menus.
const InstallHelp = `To install it in Blender:
  Blender 4.2 and later: Edit → Preferences → Get Extensions → ⌄ (top right) → Install from Disk…, pick the zip.
  Blender 3.4 to 4.1:    Edit → Preferences → Add-ons → Install…, pick the zip, then tick "Render: Farmhand".
Then, in the add-on's preferences, Find farms on the network, pick yours and Join the farm.`

// Zip is the add-on as Blender installs it: a zip holding the farmhand/
// folder (its .py files and blender_manifest.toml), which Blender 3.4–4.1
// installs as a legacy add-on (Preferences → Add-ons → Install) and 4.2+ as
// an extension (the manifest inside the zip's one folder). Built once; the
// bytes are shared, so callers must not change them. The error is only ever
// one of archive/zip's, wrapped.
func Zip() ([]byte, error) { return zipOnce() }

var zipOnce = sync.OnceValues(buildZip)

// zipTime stamps every entry, so that the same add-on gives the same bytes.
var zipTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func buildZip() ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	err := fs.WalkDir(FS, Folder, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := FS.ReadFile(path)
		if err != nil {
			return err
		}
		h := &zip.FileHeader{Name: path, Method: zip.Deflate, Modified: zipTime}
		h.SetMode(0o644)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	})
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("zipping the Blender add-on: %w", err)
	}
	return buf.Bytes(), nil
}
