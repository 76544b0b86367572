// Package netnstest runs tests that send multicast inside Linux network
// namespaces the test creates, so that no test ever multicasts on the host's
// own network.
//
// A test re-executes its own test binary inside a namespace and checks, in
// the child, which process it is:
//
//	func TestFoo(t *testing.T) {
//		if !netnstest.Isolated(t) {
//			return // the parent: the body ran in a namespace and was reported
//		}
//		... // the body, in a namespace with only lo and a multicast route on it
//	}
//
// Pair makes two namespaces joined by a veth pair, for "two machines".
//
// Namespaces need root and the unshare and ip commands. Without them tests
// skip with the reason, except when CI=true, where they fail: CI runs as root
// and must not silently skip them.
package netnstest
