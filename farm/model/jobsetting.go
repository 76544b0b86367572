package model

// JobSetting describes one setting of a job type, with Flamenco's attributes
// (as Flamenco's job-type API declares them) so that the Blender add-on can
// build its panel from it. Job types declare their settings with it
// (jobtype.Setting) and the API sends it unchanged.
type JobSetting struct {
	Key         string   `json:"key"`
	Type        string   `json:"type"`
	Label       string   `json:"label,omitempty"`
	Description string   `json:"description,omitempty"`
	Default     any      `json:"default,omitempty"`
	Required    bool     `json:"required,omitempty"`
	Choices     []string `json:"choices,omitempty"`
	// Subtype is a hint for string settings: file_path, dir_path, file_name or
	// hashed_file_path.
	Subtype string `json:"subtype,omitempty"`
	// Propargs is passed verbatim to Blender's bpy.props.*Property(), e.g. {min: 0}.
	Propargs map[string]any `json:"propargs,omitempty"`
	// Eval is a Python expression the add-on evaluates in Blender to fill the setting.
	Eval     string    `json:"eval,omitempty"`
	EvalInfo *EvalInfo `json:"evalInfo,omitempty"`
	// Visible is where the setting is shown: visible (the default), submission
	// (add-on only), web (web only) or hidden.
	Visible string `json:"visible,omitempty"`
	// Editable is a pointer because the add-on reads a missing value as true and
	// an explicit false as "read-only, computed from eval".
	Editable *bool `json:"editable,omitempty"`
}

// EvalInfo tells the add-on how to offer a setting's eval expression.
type EvalInfo struct {
	ShowLinkButton bool   `json:"showLinkButton"`
	Description    string `json:"description,omitempty"`
}
