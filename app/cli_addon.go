package app

import (
	"fmt"
	"os"
	"path/filepath"

	"farmhand/addon"
)

// runAddon saves the Blender add-on this binary carries (the one its manager
// serves at /api/v1/addon.zip) as a zip: --out FILE, by default
// farmhand-blender-addon.zip in the current folder.
func runAddon(e *env, args []string) error {
	fs := newFlags(e, "addon", "addon [--out FILE]")
	out := fs.String("out", "farmhand-blender-addon.zip", "where to save the add-on's zip")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		fs.Usage()
		return fmt.Errorf("%w: unexpected %q (the file goes after --out)", errUsage, pos[0])
	}
	data, err := addon.Zip()
	if err != nil {
		return err
	}
	path, err := filepath.Abs(*out)
	if err != nil {
		return fmt.Errorf("saving the add-on: %w", err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("saving the add-on: %w", err)
	}
	fmt.Fprintf(e.stdout, "Saved the Blender add-on (%d bytes) to %s\n\n%s\n", len(data), path, addon.InstallHelp)
	return nil
}
