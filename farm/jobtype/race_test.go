//go:build race

package jobtype

// raceEnabled says the tests run under the race detector, which makes goja
// some ten times slower.
const raceEnabled = true
