package discovery

import (
	"errors"
	"log/slog"
	"net/netip"
	"time"

	"farmhand/discovery/beacon"
)

// ServiceType is the DNS-SD service type Farmhand managers advertise.
const ServiceType = "_farmhand._tcp"

// DefaultInterval is how often a Browser asks when Config.Interval is zero.
const DefaultInterval = 5 * time.Second

// hurryInterval is how often a Browser asks while someone is in Wait: a
// worker waiting for its manager should not wait for the slow cadence.
const hurryInterval = time.Second

// ErrDisabled is returned by Wait when discovery is switched off.
var ErrDisabled = errors.New("discovery is switched off")

// ErrNoMulticast (wrapped) means mDNS cannot work on this host as configured;
// its text says what to do.
var ErrNoMulticast = beacon.ErrNoMulticast

// Announcement is what a manager tells the network about itself.
type Announcement struct {
	FarmName   string
	ManagerID  string    // stable across restarts; identifies the manager
	InstanceID string    // random per process start; Advertise makes one when empty
	StartedAt  time.Time // Advertise sets it when zero; of two instances, the later wins
	APIVersion int
	AppVersion string
	Port       int // the manager's HTTP port
	// Fingerprint identifies the manager's TLS certificate (opaque here);
	// with one, the manager is reached over https and clients pin it.
	Fingerprint string
}

// Peer is a manager a Browser has seen.
type Peer struct {
	Announcement
	Addrs    []netip.Addr // best first: on a network this host is on, then IPv4
	URL      string       // https://Addrs[0]:Port (http:// when the manager has no Fingerprint)
	LastSeen time.Time
}

// Config is shared by Advertise and Browser.
type Config struct {
	// Interface limits mDNS to one network interface; "" uses the system's
	// default multicast interface.
	Interface string
	// Disabled switches discovery off: Advertise and Run return at once.
	Disabled bool
	// Interval is how often a Browser asks (DefaultInterval when zero) and
	// how often Advertise checks its addresses. Peers expire after 3×Interval.
	Interval time.Duration
	// Logger gets discovery's messages; the mDNS library's go at debug level.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Interval <= 0 {
		c.Interval = DefaultInterval
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	c.Logger = c.Logger.With("component", "discovery")
	return c
}

// ttl is how long a peer stays listed after it was last seen: three missed
// answers, as Syncthing's CacheLifeTime = 3 × BroadcastInterval.
func (c Config) ttl() time.Duration { return 3 * c.Interval }

// queryTimeout is how long one query waits for answers. Answers come within
// milliseconds on a LAN; the library waits the whole timeout regardless.
func (c Config) queryTimeout() time.Duration { return min(500*time.Millisecond, c.Interval/3) }

// ByManager matches the peer with the given manager id, for Wait.
func ByManager(id string) func(Peer) bool {
	return func(p Peer) bool { return p.ManagerID == id }
}
