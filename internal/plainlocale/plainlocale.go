// Package plainlocale keeps Fyne from printing "Error parsing user locale C"
// at every start on systems whose locale is C.UTF-8 (Debian's and most
// containers' default).
//
// Fyne asks github.com/jeandeaual/go-locale for the user's language, which
// reads LC_ALL, LC_MESSAGES and LANG and knows "C" and "POSIX" as "no
// language", but not "C.UTF-8": it hands Fyne "C", which is no language tag.
// go-locale then looks at LANGUAGE, so this package sets LANGUAGE=en when the
// locale is C or POSIX with an encoding and LANGUAGE is unset: the English
// that such a locale means. gettext ignores LANGUAGE under the C locale, so
// the programs Farmhand starts (Blender, FFmpeg) see no difference.
//
// Import it for its side effect before any Fyne package: Go initialises
// packages in import-path order where dependencies allow, and
// "farmhand/internal/…" sorts before "fyne.io/…". Fyne reads the locale at
// its own initialisation, so setting the variable later would be too late.
package plainlocale

import (
	"os"
	"strings"
)

func init() {
	if plainEncoded(os.Getenv) {
		os.Setenv("LANGUAGE", "en")
	}
}

// plainEncoded reports whether the locale getenv describes is C or POSIX
// with an encoding (C.UTF-8) and LANGUAGE is unset.
func plainEncoded(getenv func(string) string) bool {
	if getenv("LANGUAGE") != "" {
		return false
	}
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := getenv(name)
		if v == "" {
			continue
		}
		lang, _, _ := strings.Cut(v, ".")
		return (lang == "C" || lang == "POSIX") && v != lang // the first one set decides, as go-locale reads them
	}
	return false
}
