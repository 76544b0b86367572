//go:build !linux && !darwin && !windows

package worker

import (
	"errors"
	"fmt"
	"runtime"
	"syscall"
)

// On the other Unix systems Farmhand is not built for (BSDs), processes run in
// their own group but nothing stops them when the worker is killed.

func parentDeath(attr *syscall.SysProcAttr) {}

var errGone = errors.New("process is gone")

var errUnsupported = fmt.Errorf("finding leftover processes is not supported on %s", runtime.GOOS)

func processStart(pid int) (string, error) { return "", errUnsupported }

func groupMembers(pgid int) ([]int, error) { return nil, errUnsupported }

func ownedMember(pid int, r procRecord) bool { return false }
