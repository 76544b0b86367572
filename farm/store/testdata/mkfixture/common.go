// Package main writes a Farmhand data directory with a farm in it, using the
// manager of the commit it is built in, and a manifest of what that manager
// reports about it (manifest.json), for farm/store's migration fixtures.
package main

import (
	"encoding/json"
	"io"
	"log"
	"os"
	"path/filepath"
	"sort"
)

type taskRec struct {
	Index  int    `json:"index"`
	Name   string `json:"name"`
	Status string `json:"status"`
	Log    string `json:"log"`
}

type jobRec struct {
	ID     string    `json:"id"`
	Name   string    `json:"name"`
	Type   string    `json:"type"`
	Status string    `json:"status"`
	Tasks  []taskRec `json:"tasks"`
}

type workerRec struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Platform string `json:"platform"`
}

type memberRec struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Role   string `json:"role"`
	Status string `json:"status"`
}

type manifest struct {
	Schema  int         `json:"schema"`
	Commit  string      `json:"commit"`
	FarmID  string      `json:"farm_id"`
	Jobs    []jobRec    `json:"jobs"`
	Workers []workerRec `json:"workers"`
	Members []memberRec `json:"members"`
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func readAll(r io.ReadCloser, err error) string {
	must(err)
	defer r.Close()
	b, err := io.ReadAll(r)
	must(err)
	return string(b)
}

func writeManifest(dir string, m manifest) {
	sort.Slice(m.Jobs, func(i, j int) bool { return m.Jobs[i].Name < m.Jobs[j].Name })
	sort.Slice(m.Workers, func(i, j int) bool { return m.Workers[i].Name < m.Workers[j].Name })
	sort.Slice(m.Members, func(i, j int) bool { return m.Members[i].Name < m.Members[j].Name })
	b, err := json.MarshalIndent(m, "", "  ")
	must(err)
	must(os.WriteFile(filepath.Join(dir, "manifest.json"), append(b, '\n'), 0o644))
}
