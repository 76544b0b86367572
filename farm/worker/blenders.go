package worker

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"farmhand/farm/model"
)

// blenderParam is the parameter the manager adds to a blender-render command
// when the job asks for a Blender version (the job's blender_version setting).
const blenderParam = "blender_version"

var (
	blendersMu    sync.Mutex
	givenBlenders []string               // AddBlender's, in order
	foundBlenders []model.BlenderInstall // Blenders' answer, once found
	blendersFound bool
)

// AddBlender adds a Blender given on the command line (each --blender after
// the first; the first is the worker's default, see FindTools) to those
// Blenders lists. It must be called before the first Blenders call.
func AddBlender(path string) {
	blendersMu.Lock()
	defer blendersMu.Unlock()
	givenBlenders = append(givenBlenders, path)
}

// Blenders returns this worker's Blenders with their versions: def (its
// default Blender, may be ""), those given with AddBlender, blender on PATH,
// and those in the common install folders of this OS (commonBlenders). They
// are looked for at the first call only, as each check runs the program.
func Blenders(def string) []model.BlenderInstall {
	blendersMu.Lock()
	defer blendersMu.Unlock()
	if !blendersFound {
		pathBlender, _ := exec.LookPath("blender")
		candidates := append(append([]string{def}, givenBlenders...), pathBlender)
		home, _ := os.UserHomeDir()
		foundBlenders = findBlenders(candidates, commonBlenders(runtime.GOOS, home, os.Getenv("ProgramFiles")))
		blendersFound = true
	}
	return foundBlenders
}

// commonBlenders are the glob patterns of the folders Blender is usually
// installed in on goos: the distribution's and snap's on Linux, unpacked
// archives under /opt and the home folder, the .app bundles on macOS, and
// Blender Foundation's installer and Steam on Windows.
func commonBlenders(goos, home, programFiles string) []string {
	switch goos {
	case "darwin":
		return []string{"/Applications/Blender*.app/Contents/MacOS/Blender", "/Applications/Blender*/Blender*.app/Contents/MacOS/Blender",
			filepath.Join(home, "Applications/Blender*.app/Contents/MacOS/Blender")}
	case "windows":
		if programFiles == "" {
			programFiles = `C:\Program Files`
		}
		return []string{filepath.Join(programFiles, "Blender Foundation", "Blender*", "blender.exe"),
			filepath.Join(programFiles+" (x86)", "Steam", "steamapps", "common", "Blender", "blender.exe")}
	}
	return []string{"/usr/bin/blender", "/usr/local/bin/blender", "/snap/bin/blender", "/opt/blender*/blender",
		"/opt/blender/*/blender", filepath.Join(home, "blender*", "blender"), filepath.Join(home, "Applications", "blender*", "blender")}
}

// findBlenders runs `blender --version` once for each of the candidates (in
// order; "" skipped) and each program matching the globs (in name order),
// each real file once, and returns those that print a version, in the same
// order. A candidate that does not run is left out.
func findBlenders(candidates, globs []string) []model.BlenderInstall {
	var paths []string
	seen := map[string]bool{}
	add := func(p string) {
		if p == "" {
			return
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			return
		}
		if abs, err := filepath.Abs(real); err == nil {
			real = abs
		}
		if !seen[real] {
			seen[real] = true
			paths = append(paths, p)
		}
	}
	for _, c := range candidates {
		add(c)
	}
	for _, g := range globs {
		matches, _ := filepath.Glob(g)
		sort.Strings(matches)
		for _, m := range matches {
			add(m)
		}
	}
	versions := make([]string, len(paths))
	var wg sync.WaitGroup
	limit := make(chan struct{}, 4) // each check starts a Blender: no more than 4 at once
	for i, p := range paths {
		wg.Go(func() {
			limit <- struct{}{}
			defer func() { <-limit }()
			versions[i] = blenderVersion(p)
		})
	}
	wg.Wait()
	var out []model.BlenderInstall
	for i, p := range paths {
		if versions[i] != "" {
			out = append(out, model.BlenderInstall{Path: p, Version: versions[i]})
		}
	}
	return out
}

// blenderVersion is the version the Blender at path prints ("4.1.1"), "" if
// it does not run or prints none within toolCheckTimeout.
func blenderVersion(path string) string {
	ctx, cancel := context.WithTimeout(context.Background(), toolCheckTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "-b", "--factory-startup", "--version").Output()
	if err != nil {
		return ""
	}
	return model.BlenderVersionOf(string(out))
}

// blenderFor is the Blender a blender-render command asking for this
// worker's Blender runs: the default one (tools.Blender) when the command
// asks for no version, else the first of this worker's Blenders (Blenders,
// the default first) whose version meets the blender_version parameter.
// Errors say that no Blender was found, or which versions there are.
func blenderFor(tools Tools, params map[string]any) (string, error) {
	want, err := optionalString(params, blenderParam)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(want) == "" {
		if tools.Blender == "" {
			return "", fmt.Errorf("parameter exe asks for this worker's Blender, but none was found: configure its path or put blender on PATH")
		}
		return tools.Blender, nil
	}
	return chooseBlender(Blenders(tools.Blender), want)
}

// chooseBlender picks the first of installs whose version meets want (a
// blender_version requirement, see model.BlenderRequirement).
func chooseBlender(installs []model.BlenderInstall, want string) (string, error) {
	req, err := model.ParseBlenderRequirement(want)
	if err != nil {
		return "", fmt.Errorf("parameter %s: %w", blenderParam, err)
	}
	var have []string
	for _, b := range installs {
		if req.Matches(b.Version) {
			return b.Path, nil
		}
		have = append(have, b.Version+" ("+b.Path+")")
	}
	if len(have) == 0 {
		return "", fmt.Errorf("the job asks for Blender %s, and this worker found no Blender", req)
	}
	return "", fmt.Errorf("the job asks for Blender %s, and this worker has only %s", req, strings.Join(have, ", "))
}
