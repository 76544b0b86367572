package discovery

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"farmhand/discovery/beacon"
)

// Advertise announces a manager until ctx ends, then returns nil. It fills in
// a.InstanceID and a.StartedAt when they are empty. Every cfg.Interval it
// checks the host's addresses and advertises the new ones, so a laptop that
// changes networks stays findable.
func Advertise(ctx context.Context, cfg Config, a Announcement) error {
	cfg = cfg.withDefaults()
	log := cfg.Logger
	if cfg.Disabled {
		log.Info("mDNS advertising is switched off")
		return nil
	}
	a, err := a.prepare()
	if err != nil {
		return fmt.Errorf("discovery: advertise: %w", err)
	}
	ifi, err := beacon.InterfaceByName(cfg.Interface)
	if err != nil {
		return fmt.Errorf("discovery: advertise: %w", err)
	}
	addrs, err := beacon.LocalAddrs(ifi)
	if err != nil {
		return fmt.Errorf("discovery: advertise: %w", err)
	}
	r, err := beacon.Listen(beacon.Options{Interface: ifi, Logger: log}, service(a, addrs))
	if err != nil {
		return fmt.Errorf("discovery: advertise: %w", err)
	}
	defer r.Close()
	log.Info("advertising the manager over mDNS", "farm", a.FarmName, "manager", a.ManagerID,
		"instance", a.InstanceID, "port", a.Port, "addrs", addrs, "interface", cfg.Interface)
	if len(addrs) == 0 {
		log.Warn("no network address to advertise yet")
	}

	tick := time.NewTicker(cfg.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		now, err := beacon.LocalAddrs(ifi)
		if err != nil {
			log.Warn("cannot list network addresses", "err", err)
			continue
		}
		if slices.Equal(now, addrs) {
			continue
		}
		addrs = now
		if err := r.Update(service(a, addrs)); err != nil {
			return fmt.Errorf("discovery: advertise: %w", err)
		}
		log.Info("advertised addresses changed", "addrs", addrs)
	}
}

// service is the mDNS record set for an announcement. The instance id names
// the records, so two managers on one host never share a name.
func service(a Announcement, addrs []netip.Addr) beacon.Service {
	return beacon.Service{
		Instance: "farmhand-" + a.InstanceID,
		Type:     ServiceType,
		Host:     "farmhand-" + a.InstanceID,
		Port:     a.Port,
		Addrs:    addrs,
		TXT:      a.txt(),
	}
}
