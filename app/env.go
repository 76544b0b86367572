package app

import "os"

// getenvAny returns the first non-empty variable of names.
func getenvAny(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}
