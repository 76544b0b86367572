package bench

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

func ints(s string) (out []int) {
	for _, f := range strings.Split(s, ",") {
		n, _ := strconv.Atoi(f)
		out = append(out, n)
	}
	return
}

func TestExplore(t *testing.T) {
	if os.Getenv("X_SIZES") == "" {
		t.Skip()
	}
	if _, err := Run(t.Context(), Options{JobSizes: ints(os.Getenv("X_SIZES")), Workers: ints(os.Getenv("X_WORKERS")), Out: os.Stdout, DataDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
}
