package manager

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"farmhand/farm/jobtype"
	"farmhand/farm/model"
	"farmhand/farm/pathvars"
)

// Path variables at both ends of a job's life, as Flamenco's two-way
// variables: at submission, absolute paths of the submitter's platform (or,
// failing that, of the platform their form names) that lie under a
// variable's value become {name}/rest; at dispatch, {name} becomes
// the value for the worker's platform, with its separators.

// variables returns the farm's path variables as package pathvars takes them.
func (m *Manager) variables() pathvars.Set { return toPathvars(m.current().Variables) }

// toPathvars converts the stored variables (model.Variable, whose JSON is
// pathvars.Variable's plus the storage flag) for package pathvars.
func toPathvars(vs []model.Variable) pathvars.Set {
	set := make(pathvars.Set, 0, len(vs))
	for _, v := range vs {
		pv := pathvars.Variable{Name: v.Name, Values: make(map[pathvars.Platform]string, len(v.Values))}
		for p, value := range v.Values {
			pv.Values[pathvars.Platform(p)] = value
		}
		set = append(set, pv)
	}
	return set
}

// prepareSettings rewrites a submission's settings for the farm: paths under
// a variable's value on the submitter's platform (from; "" when not said),
// or on the platform their form names, become {name}/…, and a blank
// render_output_root of a job type that declares one takes the "renders"
// storage location. It returns the settings to compile (always a copy) and
// warnings for the job's log.
// An unknown platform wraps ErrInvalid.
func (m *Manager) prepareSettings(typ string, settings map[string]any, from string) (map[string]any, []string, error) {
	var p pathvars.Platform // "": the submitter did not say; paths are read as their form says
	if from != "" {
		var err error
		p, err = pathvars.ParsePlatform(from)
		if err != nil || p == pathvars.All {
			return nil, nil, fmt.Errorf("%w: submitter_platform: %v", ErrInvalid, cmpErr(err, "a submitter writes paths on one platform, not all"))
		}
	}
	out := m.variables().RewriteSettings(settings, p)
	if out == nil {
		out = map[string]any{}
	}
	if root, _ := out["render_output_root"].(string); strings.TrimSpace(root) == "" &&
		hasStorage(m.current(), "renders") && m.declares(typ, "render_output_root") {
		out["render_output_root"] = "{renders}"
	}
	return out, m.storageWarnings(out), nil
}

// declares reports whether job type typ has a setting of that key.
func (m *Manager) declares(typ, key string) bool {
	jt, err := m.jobTypes().Get(typ)
	return err == nil && slices.ContainsFunc(jt.Settings, func(s jobtype.Setting) bool { return s.Key == key })
}

func cmpErr(err error, otherwise string) string {
	if err != nil {
		return err.Error()
	}
	return otherwise
}

func hasStorage(s *model.Settings, name string) bool {
	return slices.ContainsFunc(s.Variables, func(v model.Variable) bool { return v.Storage && v.Name == name })
}

// storageWarnings warns when the farm has storage locations and the job's
// .blend file is not in any of them: workers on other computers may not see
// it (uploads, for farms without shared storage, are another matter).
func (m *Manager) storageWarnings(settings map[string]any) []string {
	var names []string
	for _, v := range m.current().Variables {
		if v.Storage {
			names = append(names, v.Name)
		}
	}
	blend, _ := settings["blendfile"].(string)
	if len(names) == 0 || blend == "" {
		return nil
	}
	for _, n := range names {
		if strings.HasPrefix(blend, "{"+n+"}") {
			return nil
		}
	}
	return []string{fmt.Sprintf("warning: the .blend file %s lies outside every storage location (%s): "+
		"workers on other computers may not find it", blend, strings.Join(names, ", "))}
}

// commandsFor returns a task's commands as worker w runs them: with the job's
// Python overrides, and every {variable} expanded for w's platform. An error
// names the variable and the platform: the task cannot run on w.
func (m *Manager) commandsFor(j *model.Job, cmds []model.Command, w *model.Worker) ([]model.Command, error) {
	cmds = withOverrides(j, cmds)
	to, err := pathvars.ParsePlatform(w.Platform)
	if err != nil || to == pathvars.All {
		to = pathvars.Linux // other Unix systems write paths as Linux does
	}
	set := m.variables()
	out := make([]model.Command, len(cmds))
	for i, c := range cmds {
		params, err := set.ExpandCommand(c.Parameters, to)
		if err != nil {
			return nil, fmt.Errorf("command %d (%s) on %s: %w", i+1, c.Name, w.Name, err)
		}
		c.Parameters = params
		out[i] = c
	}
	return out, nil
}

// isExpandError reports whether err is a variable that cannot be expanded.
func isExpandError(err error) bool {
	var ee *pathvars.ExpandError
	return errors.As(err, &ee)
}
