package api

import (
	_ "embed"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/swaggest/swgui/v5emb"
)

// Spec is the OpenAPI document: the contract of this API.
//
//go:embed openapi.yaml
var Spec []byte

var specJSON = sync.OnceValues(func() ([]byte, error) {
	doc, err := openapi3.NewLoader().LoadFromData(Spec)
	if err != nil {
		return nil, err
	}
	return json.Marshal(doc)
})

func serveSpecJSON(w http.ResponseWriter, r *http.Request) {
	b, err := specJSON()
	if err != nil {
		http.Error(w, "loading the OpenAPI document: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	writeBody(w, b)
}

func serveSpecYAML(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	writeBody(w, Spec)
}

// docsHandler serves Swagger UI from assets embedded in the binary: the docs
// work on a farm with no internet access.
func docsHandler() http.Handler {
	return v5emb.New("Farmhand Manager API", "/api/v1/openapi.json", "/api/docs/")
}
