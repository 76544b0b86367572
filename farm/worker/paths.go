package worker

import (
	"fmt"
	"regexp"
	"runtime"
	"strings"
)

var windowsDrive = regexp.MustCompile(`^[A-Za-z]:([\\/]|$)`)

// foreignPathKind names the kind of path p is when it belongs to another
// operating system than goos ("" when it does not): on Linux and macOS a
// Windows drive path (P:\shots) or network path (\\server\share), on Windows
// a Linux or macOS absolute path (/mnt/shots; "//" stays Blender's
// blend-file-relative prefix). Such a path would otherwise be taken as
// relative to the worker's current folder, and files would go missing or
// land in the wrong place without any error.
func foreignPathKind(p, goos string) string {
	if goos == "windows" {
		if strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") {
			return "a Linux or macOS path"
		}
		return ""
	}
	switch {
	case windowsDrive.MatchString(p):
		return "a Windows drive path"
	case strings.HasPrefix(p, `\\`):
		return "a Windows network (UNC) path"
	}
	return ""
}

// checkLocalPath fails for a path of another operating system (see
// foreignPathKind), naming the parameter and what to do about it.
func checkLocalPath(key, p string) error {
	if kind := foreignPathKind(p, runtime.GOOS); kind != "" {
		return fmt.Errorf("parameter %s is %s (%q), which this %s worker cannot use: "+
			"give the manager a two-way path variable for it, or submit a path for this worker's system", key, kind, p, runtime.GOOS)
	}
	return nil
}
