package api

import (
	"net/http"
	"strconv"

	"farmhand/addon"
)

// getAddonZip serves the Blender add-on this manager was built with, as a zip
// Blender installs (see addon.Zip). No token is needed, as for joining: an
// artist installs the add-on before their computer belongs to the farm, and
// the add-on holds nothing secret.
func (s *Server) getAddonZip(w http.ResponseWriter, r *http.Request) {
	data, err := addon.Zip()
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="farmhand-blender-addon.zip"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	writeBody(w, data)
}
