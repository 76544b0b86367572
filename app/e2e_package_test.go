//go:build package

package app_test

// The packages `make package` writes into dist/, tried as a user would: the
// desktop .deb installed with dpkg -i, the command of its menu entry run
// with "version", removed with dpkg -r; the server .deb, tarballs and the
// Windows zip opened and checked. `make package-test` runs them after
// `make package`. Installing needs root and dpkg (CI runs as root on
// Debian 12): elsewhere those tests skip, under CI=true they fail.

import (
	"archive/zip"
	"debug/elf"
	"debug/pe"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"farmhand/internal/farmtest"
)

// distFile is the one file of dist/ that matches pattern.
func distFile(t *testing.T, pattern string) string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join("..", "dist", pattern))
	farmtest.NoErr(t, err)
	farmtest.Need(t, len(matches) > 0, "dist/"+pattern+" (make package)")
	if len(matches) > 1 {
		t.Fatalf("more than one dist/%s: %v", pattern, matches)
	}
	abs, err := filepath.Abs(matches[0])
	farmtest.NoErr(t, err)
	return abs
}

// run runs a command and returns its standard output, failing the test on
// an error. Standard error is only shown: the GUI build logs Fyne's locale
// complaints there under LANG=C.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	var stderr strings.Builder
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// debField reads a field of a .deb's control file.
func debField(t *testing.T, deb, field string) string {
	t.Helper()
	farmtest.NeedTool(t, "dpkg-deb", "apt-get install dpkg")
	return strings.TrimSpace(run(t, "dpkg-deb", "--field", deb, field))
}

// needDpkgInstall applies the rule for installing packages: root and dpkg,
// and none of ours installed already (the test would replace it).
func needDpkgInstall(t *testing.T) {
	t.Helper()
	farmtest.NeedTool(t, "dpkg", "a Debian system")
	farmtest.Need(t, os.Geteuid() == 0, "root (dpkg -i installs into /usr; CI runs as root)")
	for _, pkg := range []string{"farmhand", "farmhand-server"} {
		status, _ := exec.Command("dpkg-query", "-W", "-f", "${Status}", pkg).Output()
		farmtest.Need(t, !strings.Contains(string(status), " installed"),
			"a computer without the "+pkg+" package (it is installed: dpkg -r it first)")
	}
}

// install installs deb and removes its package when the test ends.
func install(t *testing.T, deb, pkg string) {
	t.Helper()
	run(t, "dpkg", "-i", deb)
	t.Cleanup(func() {
		if out, err := exec.Command("dpkg", "-r", pkg).CombinedOutput(); err != nil {
			t.Errorf("dpkg -r %s: %v\n%s", pkg, err, out)
		}
	})
}

// desktopExec splits a .desktop file's Exec= value into words as the
// Desktop Entry Specification says ("The Exec key"): double-quoted words
// with \" \` \$ \\ escapes, field codes (%f %U …) dropped, %% kept as %.
func desktopExec(t *testing.T, value string) []string {
	t.Helper()
	var words []string
	var w strings.Builder
	inWord, quoted := false, false
	for i := 0; i < len(value); i++ {
		c := value[i]
		switch {
		case quoted && c == '\\' && i+1 < len(value):
			i++
			w.WriteByte(value[i])
		case c == '"':
			quoted, inWord = !quoted, true
		case c == ' ' && !quoted:
			if inWord {
				words, inWord = append(words, w.String()), false
				w.Reset()
			}
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if quoted {
		t.Fatalf("Exec=%s: unbalanced quote", value)
	}
	if inWord {
		words = append(words, w.String())
	}
	var argv []string
	for _, word := range words {
		if len(word) == 2 && word[0] == '%' && strings.ContainsRune("fFuUdDnNickvm", rune(word[1])) {
			continue
		}
		argv = append(argv, strings.ReplaceAll(word, "%%", "%"))
	}
	return argv
}

// desktopKey is key's value in the [Desktop Entry] group of a .desktop file.
func desktopKey(t *testing.T, text, key string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(key) + `=(.*)$`).FindStringSubmatch(text)
	if m == nil || !strings.HasPrefix(text, "[Desktop Entry]") {
		t.Fatalf("no %s= in the [Desktop Entry] group:\n%s", key, text)
	}
	return strings.TrimSpace(m[1])
}

// zipNames lists a zip's entries.
func zipNames(t *testing.T, path string) []string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	farmtest.NoErr(t, err)
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	return names
}

func TestPackageDebInstallsAndRunsFromItsMenuEntry(t *testing.T) {
	deb := distFile(t, "farmhand_*_*.deb")
	version := debField(t, deb, "Version")
	needDpkgInstall(t)
	install(t, deb, "farmhand")

	text := string(farmtest.Must(os.ReadFile("/usr/share/applications/io.farmhand.app.desktop"))(t))
	if icon := desktopKey(t, text, "Icon"); !fileExists("/usr/share/pixmaps/" + icon + ".png") {
		t.Errorf("Icon=%s, but no /usr/share/pixmaps/%s.png", icon, icon)
	}
	argv := desktopExec(t, desktopKey(t, text, "Exec"))
	if len(argv) == 0 {
		t.Fatalf("empty Exec= in\n%s", text)
	}
	// The menu runs Exec= through PATH; looked up in the package's folders
	// only, so a farmhand elsewhere (a tarball's in /usr/local/bin) cannot
	// answer for it.
	bin := argv[0]
	if !filepath.IsAbs(bin) {
		bin = filepath.Join("/usr/bin", bin)
	}
	if bin != "/usr/bin/farmhand" || !fileExists(bin) {
		t.Fatalf("Exec=%s is %s, want the package's /usr/bin/farmhand", argv[0], bin)
	}
	out := run(t, bin, append(argv[1:], "version")...)
	if !strings.HasPrefix(out, "farmhand "+version+" (") {
		t.Errorf("%v version printed %q, want farmhand %s (…)", argv, out, version)
	}
	unit := run(t, bin, "service", "install", "--dry-run", "--role", "both")
	if !strings.Contains(unit, "\nExecStart=/usr/bin/farmhand both --headless\n") || !strings.Contains(unit, "\nRestartForceExitStatus=47\n") {
		t.Errorf("the installed farmhand's unit:\n%s", unit)
	}
	if names := zipNames(t, "/usr/share/farmhand/farmhand-blender-addon.zip"); !slices.Contains(names, "farmhand/__init__.py") {
		t.Errorf("the add-on zip has no farmhand/__init__.py for Blender to install: %v", names)
	}

	run(t, "dpkg", "-r", "farmhand")
	if fileExists("/usr/bin/farmhand") || fileExists("/usr/share/applications/io.farmhand.app.desktop") {
		t.Error("dpkg -r farmhand left its files")
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestPackageServerDebIsHeadlessAndMakesItsAccount(t *testing.T) {
	deb := distFile(t, "farmhand-server_*_*.deb")
	version := debField(t, deb, "Version")
	if got := debField(t, deb, "Conflicts"); got != "farmhand" {
		t.Errorf("Conflicts: %q, want farmhand (both install /usr/bin/farmhand)", got)
	}
	dir := t.TempDir()
	run(t, "dpkg-deb", "-x", deb, dir)
	bin := filepath.Join(dir, "usr", "bin", "farmhand")
	f, err := elf.Open(bin)
	farmtest.NoErr(t, err)
	libs, err := f.ImportedLibraries()
	f.Close()
	if err != nil || len(libs) > 0 {
		t.Errorf("the server binary links %v (%v): it must run where no X or GL library is", libs, err)
	}
	if out := run(t, bin, "version"); !strings.HasPrefix(out, "farmhand "+version+" (") {
		t.Errorf("version printed %q, want farmhand %s", out, version)
	}

	needDpkgInstall(t)
	install(t, deb, "farmhand-server")
	home := strings.TrimSpace(run(t, "getent", "passwd", "farmhand"))
	if !strings.Contains(home, ":/var/lib/farmhand:") || !fileExists("/var/lib/farmhand") {
		t.Errorf("postinst made no farmhand account with its home in /var/lib/farmhand: %q", home)
	}
	units := t.TempDir()
	run(t, "/usr/bin/farmhand", "service", "install", "--system", "--user", "farmhand", "--role", "worker", "--unit-dir", units)
	text := string(farmtest.Must(os.ReadFile(filepath.Join(units, "farmhand.service")))(t))
	for _, want := range []string{"\nExecStart=/usr/bin/farmhand worker --headless\n", "\nUser=farmhand\n", "\nWantedBy=multi-user.target\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("server unit lacks %q:\n%s", strings.TrimSpace(want), text)
		}
	}
}

func TestPackageTarballsAndWindowsZipHoldWhatTheySay(t *testing.T) {
	farmtest.NeedTool(t, "tar", "apt-get install tar xz-utils")
	desktop := run(t, "tar", "-tJf", distFile(t, "farmhand_*_linux_*.tar.xz"))
	for _, want := range []string{`farmhand/Makefile`, `farmhand/farmhand-blender-addon.zip`,
		`farmhand/usr/(local/)?bin/farmhand`, `farmhand/usr/(local/)?share/applications/io\.farmhand\.app\.desktop`,
		`farmhand/usr/(local/)?share/pixmaps/io\.farmhand\.app\.png`} {
		if !regexp.MustCompile(`(?m)^` + want + `$`).MatchString(desktop) {
			t.Errorf("desktop tarball lacks %s:\n%s", want, desktop)
		}
	}
	server := run(t, "tar", "-tJf", distFile(t, "farmhand-server_*_linux_*.tar.xz"))
	if !regexp.MustCompile(`(?m)^farmhand-server_[^/]+_linux_[^/]+/farmhand$`).MatchString(server) {
		t.Errorf("server tarball lacks its binary:\n%s", server)
	}

	winZip := distFile(t, "farmhand-server_*_windows_amd64.zip")
	names := zipNames(t, winZip)
	exe := ""
	for _, n := range names {
		if strings.HasSuffix(n, "/farmhand.exe") {
			exe = n
		}
	}
	if exe == "" || !slices.ContainsFunc(names, func(n string) bool { return strings.HasSuffix(n, "/farmhand-blender-addon.zip") }) {
		t.Fatalf("windows zip: %v", names)
	}
	zr, err := zip.OpenReader(winZip)
	farmtest.NoErr(t, err)
	defer zr.Close()
	dst := filepath.Join(t.TempDir(), "farmhand.exe")
	rc := farmtest.Must(zr.Open(exe))(t)
	farmtest.NoErr(t, os.WriteFile(dst, farmtest.Must(io.ReadAll(rc))(t), 0o644))
	pf, err := pe.Open(dst)
	farmtest.NoErr(t, err)
	defer pf.Close()
	if pf.Machine != pe.IMAGE_FILE_MACHINE_AMD64 {
		t.Errorf("farmhand.exe is for machine %#x, want amd64", pf.Machine)
	}
}
