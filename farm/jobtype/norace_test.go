//go:build !race

package jobtype

const raceEnabled = false
