package app

import (
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"text/template"
)

// The service command runs farmhand under systemd: a user unit on an
// artist's workstation (it runs while that person is logged in, like the
// tray app), a system unit on a server (it runs from boot as a chosen
// account). systemd restarts it after a crash and when the manager asks a
// worker to restart, which the worker signals with DefaultRestartExitCode.

// serviceUnitName is the one unit farmhand installs: a computer runs one
// farmhand (the role "both" covers manager and worker together).
const serviceUnitName = "farmhand.service"

// systemUnitDir is where an administrator's units go (systemd.unit(5)); the
// packages' own /usr/lib/systemd/system is left to package managers.
const systemUnitDir = "/etc/systemd/system"

// serviceSpec is what a unit runs and how.
type serviceSpec struct {
	Role    string   // "manager", "worker" or "both": the farmhand command the unit runs
	Exec    string   // absolute path of the farmhand binary
	Args    []string // more flags for the role (e.g. --manager URL), after --headless
	System  bool     // a system unit (servers) rather than a user unit (workstations)
	User    string   // the account a system unit runs as; unused by user units
	Version string   // the farmhand version that wrote the unit, for the header comment
}

// RestartCode is the exit code that makes systemd restart the service even
// when it would not otherwise: the worker's restart code (roles.go).
func (s serviceSpec) RestartCode() int { return DefaultRestartExitCode }

// Kind names the unit's kind for its comments: "system" or "user".
func (s serviceSpec) Kind() string {
	if s.System {
		return "system"
	}
	return "user"
}

// ExecStart is the unit's command line: the binary, the role, --headless
// (a service has no desktop to open windows on) and the extra flags, each
// quoted for systemd.
func (s serviceSpec) ExecStart() string {
	words := append([]string{s.Exec, s.Role, "--headless"}, s.Args...)
	for i, w := range words {
		words[i] = systemdQuote(w)
	}
	return strings.Join(words, " ")
}

var unitTemplate = template.Must(template.New("unit").Parse(`# Farmhand ({{.Role}}) as a systemd {{.Kind}} service, written by 'farmhand service install'
# (farmhand {{.Version}}). 'farmhand service uninstall' removes it; see docs/install.md.
[Unit]
Description=Farmhand render farm ({{.Role}})
Documentation=https://github.com/farmhand-render/farmhand/blob/main/docs/install.md
{{- if .System}}
# Workers find their manager on the network from the start.
Wants=network-online.target
After=network-online.target
{{- end}}

[Service]
Type=simple
ExecStart={{.ExecStart}}
{{- if .System}}
User={{.User}}
{{- end}}
# Restart after a crash, and always when a worker exits with the code the
# manager's "restart" asks for ({{.RestartCode}}); a clean stop stays stopped.
Restart=on-failure
RestartForceExitStatus={{.RestartCode}}
# A manager that is down is retried every few seconds, not hammered.
RestartSec=5s

[Install]
WantedBy={{if .System}}multi-user.target{{else}}default.target{{end}}
`))

// renderUnit returns the text of the unit for s. Errors: a role other than
// manager, worker or both; a relative Exec; a system unit without a User; a
// newline in any word (systemd would read it as a new setting).
func renderUnit(s serviceSpec) (string, error) {
	switch s.Role {
	case "manager", "worker", "both":
	default:
		return "", fmt.Errorf("role %q: want manager, worker or both", s.Role)
	}
	if !filepath.IsAbs(s.Exec) {
		return "", fmt.Errorf("the farmhand binary %q: systemd needs an absolute path", s.Exec)
	}
	if s.System && s.User == "" {
		return "", errors.New("a system unit needs the account it runs as (--user NAME)")
	}
	for _, w := range append([]string{s.Exec, s.User}, s.Args...) {
		if strings.ContainsAny(w, "\n\r") {
			return "", fmt.Errorf("%q: a line break cannot be part of a unit's setting", w)
		}
	}
	var b strings.Builder
	if err := unitTemplate.Execute(&b, s); err != nil {
		return "", fmt.Errorf("writing the unit: %w", err)
	}
	return b.String(), nil
}

// systemdQuote makes w one word of an ExecStart= line (systemd.service(5),
// "Command lines"): % and $ are doubled so specifiers and variables are not
// expanded, and a word with spaces, quotes, backslashes or a lone ";" is put
// in double quotes with C-style escapes.
func systemdQuote(w string) string {
	w = strings.ReplaceAll(w, "%", "%%")
	w = strings.ReplaceAll(w, "$", "$$")
	if w != "" && w != ";" && !strings.ContainsAny(w, " \t\"'\\") {
		return w
	}
	w = strings.ReplaceAll(w, `\`, `\\`)
	w = strings.ReplaceAll(w, `"`, `\"`)
	return `"` + w + `"`
}

// unitDirFor is where systemd reads units of the kind: /etc/systemd/system,
// or the user's $XDG_CONFIG_HOME/systemd/user (~/.config/systemd/user).
func unitDirFor(system bool) (string, error) {
	if system {
		return systemUnitDir, nil
	}
	cfg, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("finding the user's unit folder: %w", err)
	}
	return filepath.Join(cfg, "systemd", "user"), nil
}

// systemctl runs systemctl for one kind of unit (--user or the system's).
type systemctl struct {
	path    string // systemctl's path; "" when it is not installed
	running bool   // systemd is this computer's init, as sd_booted(3) checks
	system  bool
}

// findSystemctl looks for systemctl and for a running systemd. Containers
// and CI often have the one without the other. A variable so that tests on
// a computer that runs systemd do not enable units on it.
var findSystemctl = func(system bool) systemctl {
	sc := systemctl{system: system}
	sc.path, _ = exec.LookPath("systemctl")
	_, err := os.Stat("/run/systemd/system")
	sc.running = sc.path != "" && err == nil
	return sc
}

// words is how a person types the call: "systemctl --user enable ...".
func (sc systemctl) words(args ...string) []string {
	if !sc.system {
		args = append([]string{"--user"}, args...)
	}
	return args
}

// run runs systemctl with args and returns its error with its output, and,
// for user units, what usually causes one: no user session (sudo, ssh
// without lingering).
func (sc systemctl) run(args ...string) error {
	full := sc.words(args...)
	out, err := exec.Command(sc.path, full...).CombinedOutput()
	if err == nil {
		return nil
	}
	hint := ""
	if !sc.system {
		hint = " (a user unit needs the user's own session: run this as that user, not with sudo; " +
			"use --system for a service that runs with nobody logged in)"
	}
	return fmt.Errorf("systemctl %s: %w: %s%s", strings.Join(full, " "), err, strings.TrimSpace(string(out)), hint)
}

// runService dispatches service install|uninstall|status.
func runService(e *env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "install":
			return serviceInstall(e, args[1:])
		case "uninstall":
			return serviceUninstall(e, args[1:])
		case "status":
			return serviceStatus(e, args[1:])
		}
	}
	fmt.Fprintln(e.stderr, "Usage: farmhand service install|uninstall|status [flags]   ('farmhand service install -h' for the flags)")
	return errUsage
}

// unitFlags are the flags every service subcommand shares: which unit.
type unitFlags struct {
	system  *bool
	unitDir *string
}

func addUnitFlags(fs *flagSet) *unitFlags {
	return &unitFlags{
		system: fs.Bool("system", false, "a system unit in "+systemUnitDir+" (servers; needs root) instead of a user unit"),
		unitDir: fs.String("unit-dir", "", "write the unit into this folder instead of systemd's "+
			"(it is then not enabled: for images and packages)"),
	}
}

// path is the unit file the flags name, and whether systemd reads that
// folder (it does not read a --unit-dir).
func (uf *unitFlags) path() (string, bool, error) {
	if *uf.unitDir != "" {
		return filepath.Join(*uf.unitDir, serviceUnitName), false, nil
	}
	dir, err := unitDirFor(*uf.system)
	if err != nil {
		return "", false, err
	}
	return filepath.Join(dir, serviceUnitName), true, nil
}

// defaultServiceUser is the account a system unit runs as unless --user
// says: the person behind sudo, else whoever runs the command.
func defaultServiceUser() string {
	if u := os.Getenv("SUDO_USER"); u != "" && u != "root" {
		return u
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}

// writeFileAtomic writes data to path through a temporary file in the same
// folder, so systemd never reads half a unit. Permission errors keep their
// kind (errors.Is fs.ErrPermission).
func writeFileAtomic(path string, data []byte) (err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".farmhand-unit-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// needsRoot adds the usual remedy to a permission error on a system unit.
func needsRoot(err error, system bool) error {
	if system && errors.Is(err, iofs.ErrPermission) {
		return fmt.Errorf("%w (system units need root: run it with sudo)", err)
	}
	return err
}

// serviceInstall writes the unit and, where systemd runs and reads the
// folder, enables and (re)starts it. Without systemd (containers, CI) it
// writes the unit, says how to enable it and succeeds: only a unit that
// could not be written or a systemctl that failed is an error.
func serviceInstall(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "service install", "service install [--role manager|worker|both] [--system [--user NAME]] "+
		"[--dry-run] [-- FLAGS FOR THE ROLE]\n\nFlags after -- go to the role, e.g. -- --manager https://boss:7780 --join CODE")}
	role := fs.String("role", "worker", "what the service runs: manager, worker or both")
	execPath := fs.String("exec", "", "the farmhand binary the unit starts (default: this one)")
	account := fs.String("user", "", "with --system: the account the service runs as (default: $SUDO_USER, else you)")
	dryRun := fs.Bool("dry-run", false, "print the unit and change nothing")
	uf := addUnitFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	spec := serviceSpec{Role: *role, Exec: *execPath, Args: fs.Args(), System: *uf.system, Version: Version}
	if spec.Exec == "" {
		self, err := os.Executable()
		if err != nil {
			return fmt.Errorf("finding this farmhand binary (give --exec PATH): %w", err)
		}
		spec.Exec = self
	}
	if spec.System {
		spec.User = *account
		if spec.User == "" {
			spec.User = defaultServiceUser()
		}
	}
	text, err := renderUnit(spec)
	if err != nil {
		return err
	}
	if *dryRun {
		fmt.Fprint(e.stdout, text)
		return nil
	}
	path, systemdReads, err := uf.path()
	if err != nil {
		return err
	}
	if u := os.Getenv("SUDO_USER"); !spec.System && systemdReads && os.Geteuid() == 0 && u != "" && u != "root" {
		// sudo's user unit would be root's, not the person's who typed it.
		return fmt.Errorf("a user unit is installed without sudo, as %s (or use --system for a system unit)", u)
	}
	if err := writeFileAtomic(path, []byte(text)); err != nil {
		return needsRoot(err, spec.System)
	}
	fmt.Fprintf(e.stdout, "wrote %s (farmhand %s --headless)\n", path, spec.Role)
	if spec.System && spec.User == "root" {
		fmt.Fprintln(e.stdout, "note: the service runs as root; --user NAME runs it as another account")
	}
	return enableUnit(e, findSystemctl(spec.System), systemdReads)
}

// enableUnit reloads systemd, enables the unit and restarts it (a unit
// installed again over a running one must pick up its new text), or says how
// to do that when this computer's systemd is not there to ask.
func enableUnit(e *env, sc systemctl, systemdReads bool) error {
	if !systemdReads {
		fmt.Fprintf(e.stdout, "not enabled: systemd does not read --unit-dir; copy the file into %s and enable it there\n", orUserDir(sc.system))
		return nil
	}
	if !sc.running {
		why := "systemctl is not installed"
		if sc.path != "" {
			why = "systemd is not running here (no /run/systemd/system)"
		}
		fmt.Fprintf(e.stdout, "not enabled: %s. Where systemd runs, enable and start it with:\n  systemctl %s\n  systemctl %s\n",
			why, strings.Join(sc.words("daemon-reload"), " "), strings.Join(sc.words("enable", "--now", serviceUnitName), " "))
		return nil
	}
	for _, step := range [][]string{{"daemon-reload"}, {"enable", serviceUnitName}, {"restart", serviceUnitName}} {
		if err := sc.run(step...); err != nil {
			return fmt.Errorf("enabling %s: %w", serviceUnitName, err)
		}
	}
	fmt.Fprintf(e.stdout, "enabled and started %s; 'farmhand service status%s' shows it\n", serviceUnitName, systemFlag(sc.system))
	return nil
}

func orUserDir(system bool) string {
	if system {
		return systemUnitDir
	}
	return "~/.config/systemd/user"
}

func systemFlag(system bool) string {
	if system {
		return " --system"
	}
	return ""
}

// serviceUninstall stops and disables the unit, removes it, and reloads
// systemd. A unit that is not there is no error: uninstalling twice is fine.
func serviceUninstall(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "service uninstall", "service uninstall [--system]")}
	uf := addUnitFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	path, systemdReads, err := uf.path()
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); errors.Is(err, iofs.ErrNotExist) {
		fmt.Fprintf(e.stdout, "%s is not installed (no %s)\n", serviceUnitName, path)
		return nil
	}
	sc := findSystemctl(*uf.system)
	live := systemdReads && sc.running
	if live {
		if err := sc.run("disable", "--now", serviceUnitName); err != nil {
			return fmt.Errorf("stopping %s: %w", serviceUnitName, err)
		}
	} else if err := removeWantsLinks(path); err != nil {
		return err
	}
	if err := os.Remove(path); err != nil {
		return needsRoot(fmt.Errorf("removing %s: %w", path, err), *uf.system)
	}
	if live {
		if err := sc.run("daemon-reload"); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "removed %s\n", path)
	return nil
}

// removeWantsLinks removes the links an offline "systemctl enable" makes
// (DIR/*.wants/farmhand.service), which systemd cannot be asked to remove
// when it is not running; a dangling one would fail at the next boot.
func removeWantsLinks(unit string) error {
	links, err := filepath.Glob(filepath.Join(filepath.Dir(unit), "*.wants", serviceUnitName))
	if err != nil {
		return fmt.Errorf("looking for links to %s: %w", unit, err)
	}
	for _, l := range links {
		if err := os.Remove(l); err != nil {
			return fmt.Errorf("removing %s: %w", l, err)
		}
	}
	return nil
}

// serviceStatus says whether the unit is installed and what systemd says of
// it. Exit code as systemctl status: 0 when it runs, 3 when it is not
// installed, not running, or systemd is not here to say.
func serviceStatus(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "service status", "service status [--system]")}
	uf := addUnitFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	path, systemdReads, err := uf.path()
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); err != nil {
		fmt.Fprintf(e.stdout, "%s is not installed (no %s); 'farmhand service install%s' installs it\n",
			serviceUnitName, path, systemFlag(*uf.system))
		return exitCode(3)
	}
	fmt.Fprintf(e.stdout, "installed: %s\n", path)
	sc := findSystemctl(*uf.system)
	if !systemdReads || !sc.running {
		fmt.Fprintln(e.stdout, "systemd is not running here (or does not read that folder): it cannot be running as a service")
		return exitCode(3)
	}
	cmd := exec.Command(sc.path, sc.words("status", "--no-pager", serviceUnitName)...)
	cmd.Stdout, cmd.Stderr = e.stdout, e.stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exitCode(exit.ExitCode())
	}
	if err != nil {
		return fmt.Errorf("asking systemd about %s: %w", serviceUnitName, err)
	}
	return nil
}
