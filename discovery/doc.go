// Package discovery lets Farmhand managers be found without typing a URL:
// a manager advertises itself with mDNS as _farmhand._tcp, and workers, GUIs
// and the CLI browse for it and keep a cache of the managers they have seen.
//
// This package is the farm-level half: what a manager announces (farm name,
// manager id, versions, a per-process instance id) and the peer cache with
// expiry. The mDNS transport is in the beacon subpackage; the split mirrors
// Syncthing's lib/discover over lib/beacon.
//
// The mDNS responder only answers queries, so a Browser polls: a manager is
// seen at most Interval after it starts (about a second while someone Waits),
// and forgotten about 3×Interval after it stops answering. When a manager
// restarts, its new instance id replaces the old entry for its manager id at
// once, whatever its new address and port.
//
// An explicit --manager URL or FARMHAND_MANAGER always wins over discovery;
// that choice is the caller's.
package discovery
