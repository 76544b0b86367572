package app

import (
	"bytes"
	"errors"
	"io"
	iofs "io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"farmhand/internal/farmtest"
)

// unitLines returns the unit's lines without comments, for asserting
// settings one by one.
func unitLines(t *testing.T, s serviceSpec) []string {
	t.Helper()
	text, err := renderUnit(s)
	if err != nil {
		t.Fatalf("rendering %+v: %v", s, err)
	}
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	return lines
}

func hasLine(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

func hasPrefix(lines []string, prefix string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

func TestServiceUserUnitForAWorkstation(t *testing.T) {
	lines := unitLines(t, serviceSpec{Role: "worker", Exec: "/usr/bin/farmhand",
		Args: []string{"--manager", "https://boss:7780"}, Version: "1.2.3"})
	for _, want := range []string{
		"ExecStart=/usr/bin/farmhand worker --headless --manager https://boss:7780",
		"Restart=on-failure",
		"RestartForceExitStatus=47",
		"WantedBy=default.target",
		"[Service]", "[Install]",
	} {
		if !hasLine(lines, want) {
			t.Errorf("user unit lacks %q:\n%s", want, strings.Join(lines, "\n"))
		}
	}
	// A user unit runs as its user: User= there is refused by systemd, and
	// the system's network-online.target is not a user unit's to want.
	for _, not := range []string{"User=", "After=network-online.target", "WantedBy=multi-user.target"} {
		if hasPrefix(lines, not) {
			t.Errorf("user unit has %q", not)
		}
	}
}

func TestServiceSystemUnitForAServer(t *testing.T) {
	lines := unitLines(t, serviceSpec{Role: "manager", Exec: "/usr/bin/farmhand", System: true, User: "farmhand"})
	for _, want := range []string{
		"ExecStart=/usr/bin/farmhand manager --headless",
		"User=farmhand",
		"Restart=on-failure",
		"RestartForceExitStatus=47",
		"After=network-online.target",
		"Wants=network-online.target",
		"WantedBy=multi-user.target",
	} {
		if !hasLine(lines, want) {
			t.Errorf("system unit lacks %q:\n%s", want, strings.Join(lines, "\n"))
		}
	}
	if hasLine(lines, "WantedBy=default.target") {
		t.Error("system unit wanted by the user's default.target")
	}
}

func TestServiceUnitRunsEachRoleHeadless(t *testing.T) {
	for _, role := range []string{"manager", "worker", "both"} {
		lines := unitLines(t, serviceSpec{Role: role, Exec: "/opt/farmhand/farmhand"})
		if want := "ExecStart=/opt/farmhand/farmhand " + role + " --headless"; !hasLine(lines, want) {
			t.Errorf("role %s: no %q in\n%s", role, want, strings.Join(lines, "\n"))
		}
	}
}

func TestServiceRestartCodeIsTheWorkers(t *testing.T) {
	if DefaultRestartExitCode != 47 {
		t.Fatalf("DefaultRestartExitCode is %d; docs/install.md and the units say 47", DefaultRestartExitCode)
	}
	if got := (serviceSpec{}).RestartCode(); got != DefaultRestartExitCode {
		t.Errorf("unit restarts on %d, worker exits %d to restart", got, DefaultRestartExitCode)
	}
}

func TestServiceUnitRefusesWhatSystemdWouldMisread(t *testing.T) {
	for name, s := range map[string]serviceSpec{
		"unknown role":          {Role: "render", Exec: "/usr/bin/farmhand"},
		"relative binary":       {Role: "worker", Exec: "farmhand"},
		"system without a user": {Role: "worker", Exec: "/usr/bin/farmhand", System: true},
		"newline in a flag":     {Role: "worker", Exec: "/usr/bin/farmhand", Args: []string{"--name", "a\nExecStartPre=/bin/rm"}},
	} {
		if text, err := renderUnit(s); err == nil {
			t.Errorf("%s: rendered\n%s", name, text)
		}
	}
}

func TestSystemdQuoteKeepsEachWordOneWord(t *testing.T) {
	for in, want := range map[string]string{
		"/usr/bin/farmhand":  "/usr/bin/farmhand",
		"/srv/farm data":     `"/srv/farm data"`,
		"50%":                "50%%",
		"$HOME":              "$$HOME",
		`say "hi"`:           `"say \"hi\""`,
		`C:\farm`:            `"C:\\farm"`,
		"":                   `""`,
		";":                  `";"`,
		"--tags=gpu,big-ram": "--tags=gpu,big-ram",
	} {
		if got := systemdQuote(in); got != want {
			t.Errorf("systemdQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestNeedsRootSaysSudoForSystemUnits(t *testing.T) {
	perm := &iofs.PathError{Op: "open", Path: "/etc/systemd/system/x", Err: iofs.ErrPermission}
	if got := needsRoot(perm, true); !strings.Contains(got.Error(), "sudo") || !errors.Is(got, iofs.ErrPermission) {
		t.Errorf("system: %v", got)
	}
	if got := needsRoot(perm, false); strings.Contains(got.Error(), "sudo") {
		t.Errorf("user units need no sudo: %v", got)
	}
}

// serviceEnv runs the service command as farmhand would, with its output
// kept, and the user's unit folder in a temporary $XDG_CONFIG_HOME.
type serviceRun struct {
	out, errOut bytes.Buffer
	e           *env
}

func newServiceRun(t *testing.T) *serviceRun {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("SUDO_USER", "") // as if typed by the user, even when the tests run under sudo
	r := &serviceRun{}
	r.e = &env{stdout: &r.out, stderr: &r.errOut, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return r
}

func (r *serviceRun) run(args ...string) error {
	r.out.Reset()
	r.errOut.Reset()
	return runService(r.e, args)
}

// withSystemctl makes the service command see sc instead of this computer's
// systemd, for the test's length.
func withSystemctl(t *testing.T, sc systemctl) {
	t.Helper()
	old := findSystemctl
	findSystemctl = func(system bool) systemctl { sc.system = system; return sc }
	t.Cleanup(func() { findSystemctl = old })
}

func TestServiceInstallDryRunPrintsTheUnitAndWritesNothing(t *testing.T) {
	r := newServiceRun(t)
	err := r.run("install", "--dry-run", "--role", "both", "--exec", "/opt/farm hand/farmhand", "--", "--data", "/srv/farm")
	if err != nil {
		t.Fatalf("install --dry-run: %v\n%s", err, r.errOut.String())
	}
	out := r.out.String()
	for _, want := range []string{
		"\nExecStart=\"/opt/farm hand/farmhand\" both --headless --data /srv/farm\n",
		"\nRestartForceExitStatus=47\n", "\nWantedBy=default.target\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	unit := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "systemd", "user", serviceUnitName)
	if _, err := os.Stat(unit); !errors.Is(err, iofs.ErrNotExist) {
		t.Errorf("dry run wrote %s (stat: %v)", unit, err)
	}

	if err := r.run("install", "--dry-run", "--system", "--user", "render", "--exec", "/usr/bin/farmhand"); err != nil {
		t.Fatalf("install --dry-run --system: %v", err)
	}
	if !strings.Contains(r.out.String(), "\nUser=render\n") || !strings.Contains(r.out.String(), "\nExecStart=/usr/bin/farmhand worker --headless\n") {
		t.Errorf("system dry run (default role worker):\n%s", r.out.String())
	}
}

func TestServiceInstallRefusesAnUnknownRole(t *testing.T) {
	r := newServiceRun(t)
	if err := r.run("install", "--dry-run", "--role", "renderer", "--exec", "/usr/bin/farmhand"); err == nil || !strings.Contains(err.Error(), "manager, worker or both") {
		t.Errorf("role renderer: %v", err)
	}
	if err := r.run("reinstall"); !errors.Is(err, errUsage) {
		t.Errorf("service reinstall: %v, want the usage error", err)
	}
}

func TestServiceInstallWithoutSystemdWritesTheUnitAndSaysHowToEnable(t *testing.T) {
	for _, sc := range []systemctl{{path: "", running: false}, {path: "/usr/bin/systemctl", running: false}} {
		r := newServiceRun(t)
		withSystemctl(t, sc)
		if err := r.run("install", "--role", "worker", "--exec", "/usr/bin/farmhand"); err != nil {
			t.Fatalf("install without systemd (%+v) must succeed: %v", sc, err)
		}
		unit := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "systemd", "user", serviceUnitName)
		text, err := os.ReadFile(unit)
		if err != nil {
			t.Fatalf("unit not written: %v\n%s", err, r.out.String())
		}
		if !strings.Contains(string(text), "\nExecStart=/usr/bin/farmhand worker --headless\n") {
			t.Errorf("written unit:\n%s", text)
		}
		if !strings.Contains(r.out.String(), "systemctl --user enable --now farmhand.service") {
			t.Errorf("no enabling recipe:\n%s", r.out.String())
		}
		var code exitCode
		if err := r.run("status"); !errors.As(err, &code) || code != 3 {
			t.Errorf("status without systemd: %v, want exit code 3\n%s", err, r.out.String())
		}
		if err := r.run("uninstall"); err != nil {
			t.Fatalf("uninstall: %v", err)
		}
		if _, err := os.Stat(unit); !errors.Is(err, iofs.ErrNotExist) {
			t.Errorf("uninstall left %s", unit)
		}
	}
}

func TestServiceInstallIntoAFolderAndUninstallTwice(t *testing.T) {
	r := newServiceRun(t)
	dir := t.TempDir()
	if err := r.run("install", "--system", "--user", "farmhand", "--unit-dir", dir, "--exec", "/usr/bin/farmhand"); err != nil {
		t.Fatalf("install --unit-dir: %v", err)
	}
	unit := filepath.Join(dir, serviceUnitName)
	text, err := os.ReadFile(unit)
	if err != nil || !strings.Contains(string(text), "\nUser=farmhand\n") {
		t.Fatalf("unit %s: %v\n%s", unit, err, text)
	}
	if info, _ := os.Stat(unit); info.Mode().Perm() != 0o644 {
		t.Errorf("unit mode %v, want 0644 (systemd warns of others)", info.Mode().Perm())
	}
	if !strings.Contains(r.out.String(), "not enabled") {
		t.Errorf("install into a folder systemd does not read must say it is not enabled:\n%s", r.out.String())
	}
	if err := r.run("status", "--system", "--unit-dir", dir); err == nil || !strings.Contains(r.out.String(), "installed: "+unit) {
		t.Errorf("status: %v\n%s", err, r.out.String())
	}
	// As an offline "systemctl enable" would have linked it.
	wants := filepath.Join(dir, "multi-user.target.wants")
	if err := os.Mkdir(wants, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(unit, filepath.Join(wants, serviceUnitName)); err != nil {
		t.Fatal(err)
	}
	if err := r.run("uninstall", "--system", "--unit-dir", dir); err != nil {
		t.Fatalf("uninstall: %v", err)
	}
	for _, gone := range []string{unit, filepath.Join(wants, serviceUnitName)} {
		if _, err := os.Lstat(gone); !errors.Is(err, iofs.ErrNotExist) {
			t.Errorf("uninstall left %s", gone)
		}
	}
	if err := r.run("uninstall", "--system", "--unit-dir", dir); err != nil || !strings.Contains(r.out.String(), "not installed") {
		t.Errorf("second uninstall: %v\n%s", err, r.out.String())
	}
	if err := r.run("status", "--system", "--unit-dir", dir); !errors.Is(err, exitCode(3)) {
		t.Errorf("status of no unit: %v, want exit code 3", err)
	}
}

// fakeSystemctl is a systemctl that records its arguments, one call a line,
// and fails with failure's text when it is not "": this computer runs no
// systemd, and the calls are what is under test.
func fakeSystemctl(t *testing.T, failure string) (path, log string) {
	t.Helper()
	dir := t.TempDir()
	path, log = filepath.Join(dir, "systemctl"), filepath.Join(dir, "calls")
	script := "#!/bin/sh\necho \"$*\" >> '" + log + "'\n"
	if failure != "" {
		script += "echo '" + failure + "' >&2\nexit 1\n"
	}
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path, log
}

func TestServiceInstallEnablesAndRestartsWhereSystemdRuns(t *testing.T) {
	r := newServiceRun(t)
	path, log := fakeSystemctl(t, "")
	withSystemctl(t, systemctl{path: path, running: true})
	if err := r.run("install", "--exec", "/usr/bin/farmhand"); err != nil {
		t.Fatalf("install: %v\n%s", err, r.out.String())
	}
	if err := r.run("uninstall"); err != nil {
		t.Fatalf("uninstall: %v", err)
	}
	calls, _ := os.ReadFile(log)
	want := "--user daemon-reload\n--user enable farmhand.service\n--user restart farmhand.service\n" +
		"--user disable --now farmhand.service\n--user daemon-reload\n"
	if string(calls) != want {
		t.Errorf("systemctl calls:\n%s\nwant:\n%s", calls, want)
	}
}

func TestServiceInstallFailsWhenSystemctlFails(t *testing.T) {
	r := newServiceRun(t)
	path, _ := fakeSystemctl(t, "Failed to connect to bus: No medium found")
	withSystemctl(t, systemctl{path: path, running: true})
	err := r.run("install", "--exec", "/usr/bin/farmhand")
	if err == nil || !strings.Contains(err.Error(), "Failed to connect to bus") || !strings.Contains(err.Error(), "not with sudo") {
		t.Errorf("install with a failing systemctl: %v", err)
	}
}

func TestServiceUserUnitUnderSudoIsRefused(t *testing.T) {
	farmtest.Need(t, os.Geteuid() == 0, "root (the refusal is of root behind sudo; CI runs as root)")
	r := newServiceRun(t)
	withSystemctl(t, systemctl{})
	t.Setenv("SUDO_USER", "artist")
	err := r.run("install", "--exec", "/usr/bin/farmhand")
	if err == nil || !strings.Contains(err.Error(), "without sudo, as artist") {
		t.Errorf("user unit under sudo: %v", err)
	}
	unit := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "systemd", "user", serviceUnitName)
	if _, err := os.Stat(unit); !errors.Is(err, iofs.ErrNotExist) {
		t.Errorf("refused install wrote %s", unit)
	}
}
