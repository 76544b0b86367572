package app

import (
	"context"
	"fmt"
	"time"

	"farmhand/discovery"
	"farmhand/farm/api/wire"
	"farmhand/farm/worker"
)

// discoveryFlags switch mDNS off or bind it to one network interface.
type discoveryFlags struct {
	off   *bool
	iface *string
}

func addDiscoveryFlags(fs *flagSet) *discoveryFlags {
	return &discoveryFlags{
		off:   fs.Bool("no-discovery", false, "do not use mDNS to advertise or find the manager"),
		iface: fs.String("discovery-interface", "", "the network interface mDNS uses (default: the system's)"),
	}
}

func (df *discoveryFlags) config(e *env) discovery.Config {
	return discovery.Config{Disabled: *df.off, Interface: *df.iface, Logger: e.log}
}

// advertise announces the manager on the network until ctx ends; the channel
// it returns is closed once the announcement has stopped (at once when
// discovery is off).
func advertise(ctx context.Context, e *env, df *discoveryFlags, rm *runningManager, farmName string, port int) <-chan struct{} {
	done := make(chan struct{})
	if *df.off {
		e.log.Info("discovery off: workers need --manager " + rm.url)
		close(done)
		return done
	}
	a := discovery.Announcement{FarmName: farmName, ManagerID: rm.m.ID(), APIVersion: wire.APIVersion,
		AppVersion: Version, Port: port, Fingerprint: string(rm.fingerprint)}
	go func() {
		defer close(done)
		if err := discovery.Advertise(ctx, df.config(e), a); err != nil {
			e.log.Warn("cannot advertise the farm with mDNS; workers need --manager", "err", err)
		}
	}()
	e.log.Info("advertising the farm on the network (mDNS)", "farm", farmName, "port", port)
	return done
}

// locator finds a farm's manager with mDNS: the one with the given manager id,
// or, before the worker joined any, the only farm on the network (or the one
// named by --farm).
type locator struct {
	browser *discovery.Browser
	farm    string
}

func startLocator(ctx context.Context, e *env, df *discoveryFlags, farm string) *locator {
	b := discovery.NewBrowser(df.config(e))
	go func() {
		if err := b.Run(ctx); err != nil {
			e.log.Warn("mDNS discovery stopped", "err", err)
		}
	}()
	return &locator{browser: b, farm: farm}
}

// locate waits (a few seconds at most) for the manager and returns its URL.
func (l *locator) locate(ctx context.Context, managerID string) (string, error) {
	p, err := l.find(ctx, managerID)
	return p.URL, err
}

// find waits (a few seconds at most) for the manager and returns what it
// announces.
func (l *locator) find(ctx context.Context, managerID string) (discovery.Peer, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	match := func(p discovery.Peer) bool {
		switch {
		case managerID != "":
			return p.ManagerID == managerID
		case l.farm != "":
			return p.FarmName == l.farm
		}
		return true
	}
	p, err := l.browser.Wait(ctx, match)
	if err != nil {
		return discovery.Peer{}, fmt.Errorf("no Farmhand manager found on the network: %w", err)
	}
	if managerID == "" && l.farm == "" {
		// Before joining: with several farms about, guessing would be wrong.
		farms := map[string]bool{}
		for _, q := range l.browser.Peers() {
			farms[q.FarmName+" ("+q.ManagerID+")"] = true
		}
		if len(farms) > 1 {
			names := make([]string, 0, len(farms))
			for n := range farms {
				names = append(names, n)
			}
			return discovery.Peer{}, fmt.Errorf("several farms on the network (%v): choose one with --farm NAME or --manager URL", names)
		}
	}
	return p, nil
}

// knownManagerID is the farm a worker's data directory belongs to, if any.
func knownManagerID(dataDir string) string {
	creds, _ := worker.ReadCredentials(dataDir) // none, or damaged: no farm known
	return creds.ManagerID
}
