package wire

import "fmt"

// Binary is one Farmhand executable the manager hands out to upgrading
// workers (listBinaries, getBinary).
type Binary struct {
	// Platform is "os-arch" in Go's words ("linux-amd64", "windows-amd64"):
	// the {platform} of getBinary.
	Platform string `json:"platform"`
	OS       string `json:"os"`
	Arch     string `json:"arch"`
	// Version is the Farmhand version the binary reports; "unknown" for one
	// built without a version.
	Version string `json:"version"`
	// SHA256 is the lower-case hex SHA-256 of the file: a worker refuses a
	// download that does not match it.
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"` // bytes
}

// Headers of getBinary's answer: the file's SHA-256 (lower-case hex) and
// Farmhand version, as listBinaries lists them.
const (
	BinarySHA256Header  = "Farmhand-Binary-SHA256"
	BinaryVersionHeader = "Farmhand-Binary-Version"
)

// BinaryList is the answer of listBinaries.
type BinaryList struct {
	// ManagerVersion is the manager's own Farmhand version: a worker of
	// another version is out of date.
	ManagerVersion string   `json:"manager_version"`
	Binaries       []Binary `json:"binaries"`
}

// UpgradeReport is how a worker ends an upgrade it was asked for
// (reportUpgrade): with the new binary in place (Problem empty; it restarts
// next), or not (Problem says why, and it carries on as it was).
type UpgradeReport struct {
	From    string `json:"from"`              // the version the worker runs
	To      string `json:"to,omitempty"`      // the version it installed or tried to
	Problem string `json:"problem,omitempty"` // why it did not upgrade
}

// APIOldest is the oldest API version this build still speaks. Two builds
// work together when the older one's APIVersion is at least the newer one's
// APIOldest: a release that changes the API keeps answering (and, as a
// client, speaking) the previous version, so a farm upgrades one computer at a
// time. It equals APIVersion until the API's first incompatible change.
const APIOldest = APIVersion

// CheckAPI says whether this build (speaking APIOldest to APIVersion) works
// with a peer that speaks API version theirs; self and peer name the two
// sides for the message ("this manager", "the worker"). A newer peer is
// assumed to speak down to this build unless theirs is above APIVersion (it
// would have offered ours). Errors: an *IncompatibleError naming the side to
// upgrade.
func CheckAPI(theirs int, self, peer string) error {
	return checkAPI(APIOldest, APIVersion, theirs, self, peer)
}

func checkAPI(oldest, current, theirs int, self, peer string) error {
	switch {
	case theirs < oldest:
		return &IncompatibleError{Mine: current, Theirs: theirs, Upgrade: peer, Self: self, Peer: peer}
	case theirs > current:
		return &IncompatibleError{Mine: current, Theirs: theirs, Upgrade: self, Self: self, Peer: peer}
	}
	return nil
}

// IncompatibleError is a pair of Farmhand builds too far apart to work
// together: the older side must be upgraded.
type IncompatibleError struct {
	Mine, Theirs int    // API versions of this side and the other
	Self, Peer   string // "this manager", "the worker", ...
	Upgrade      string // Self or Peer: the side to upgrade
}

func (e *IncompatibleError) Error() string {
	return fmt.Sprintf("%s speaks API version %d, %s speaks %d: upgrade %s (Farmhand versions one release apart work together)",
		e.Self, e.Mine, e.Peer, e.Theirs, e.Upgrade)
}
