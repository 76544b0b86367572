package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"farmhand/discovery"
	"farmhand/farm/api/client"
	"farmhand/farm/model"
	"farmhand/farm/store"
	"farmhand/farm/trust"
	"farmhand/farm/worker"
)

// A computer belongs to no farm until it ran a manager (its database exists),
// a worker (its credentials), or 'farmhand join' in its data directory.
func isFirstRun(dataDir string) bool {
	for _, name := range []string{store.FileName, worker.CredentialsFile, memberFile} {
		if _, err := os.Stat(filepath.Join(dataDir, name)); err == nil {
			return false
		}
	}
	return true
}

// farmChoice is a farm found on the network, with the certificate
// fingerprint its manager announces ("" from a manager without TLS).
type farmChoice struct {
	name, url, managerID string
	fingerprint          trust.Fingerprint
}

// client is a client of the farm's manager, pinned to the certificate the
// network announced, as 'farmhand worker' without a join code does: mDNS is
// not authenticated, so this trust is only as good as the network, and the
// admin who approves the join request is the check that matters.
func (f farmChoice) client(e *env) *client.Client {
	if f.fingerprint != "" {
		e.log.Warn("trusting the manager's certificate as the network announces it; a join code would check it",
			"farm", f.name, "fingerprint", f.fingerprint.Short())
	}
	return client.New(f.url).WithPin(f.fingerprint)
}

// firstRun is what the welcome window may do: look for farms, start one here,
// or join one. The windows call these off Fyne's goroutine.
type firstRun struct {
	farms func(ctx context.Context) ([]farmChoice, error)
	start func() (*client.Client, *localWorker, error)
	// join asks to join and waits for an admin's approval, telling waiting
	// what it waits for.
	join func(farm farmChoice, waiting func(string)) (*client.Client, *localWorker, error)
}

// runFirstRun is a double-click on a computer that belongs to no farm: a
// welcome window offers to start a farm here or to join one found on the
// network, then shows that farm.
func runFirstRun(e *env, mf *managerFlags, wf *workerFlags) error {
	ctx, stop := signalContext()
	defer stop()
	var mu sync.Mutex
	var mh *runningManager
	var lw *localWorker
	fr := &firstRun{
		farms: func(ctx context.Context) ([]farmChoice, error) { return lookForFarms(ctx, e, wf.discovery) },
		start: func() (*client.Client, *localWorker, error) {
			m, code, err := startManagerForWorker(ctx, e, mf)
			if err != nil {
				return nil, nil, err
			}
			w := newLocalWorker(ctx, *mf.data, workerMaker(e, client.New(m.url), *mf.data, wf, code, model.RoleWorker, nil))
			w.SetEnabled(true)
			mu.Lock()
			mh, lw = m, w
			mu.Unlock()
			return m.adminClient(), w, nil
		},
		join: func(farm farmChoice, waiting func(string)) (*client.Client, *localWorker, error) {
			cl := farm.client(e)
			loc := startLocator(ctx, e, wf.discovery, farm.name)
			maker := workerMaker(e, cl, *mf.data, wf, "", model.RoleArtist, loc.locate)
			token, err := maker(nil, nil).Member(ctx)
			if err != nil {
				return nil, nil, err
			}
			member := cl.WithToken(token)
			if err := waitForApproval(ctx, member, farm.name, waiting); err != nil {
				return nil, nil, err
			}
			w := newLocalWorker(ctx, *mf.data, maker)
			w.SetEnabled(true)
			mu.Lock()
			lw = w
			mu.Unlock()
			return member, w, nil
		},
	}
	err := showWindows(windowsParams{ctx: ctx, env: e, firstRun: fr})
	mu.Lock()
	defer mu.Unlock()
	if lw != nil {
		lw.SetEnabled(false)
	}
	if mh != nil {
		if serr := mh.stop(); err == nil {
			err = serr
		}
	}
	return err
}

// lookForFarms browses mDNS for a few seconds and lists the farms found, or
// says why it could not look (discovery off, a bad --discovery-interface).
func lookForFarms(ctx context.Context, e *env, df *discoveryFlags) ([]farmChoice, error) {
	if *df.off {
		return nil, errors.New("looking for farms is off (--no-discovery)")
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	b := discovery.NewBrowser(df.config(e))
	// Run browses until ctx's few seconds are over; it fails at once only on
	// a bad configuration (an unknown --discovery-interface, say).
	if err := b.Run(ctx); err != nil {
		e.log.Warn("looking for farms on the network", "err", err)
		return nil, err
	}
	peers := b.Peers()
	if len(peers) == 0 && b.Err() != nil {
		// Nothing answered because nothing could be asked (no multicast
		// route, say): that is not "no farm on this network".
		return nil, b.Err()
	}
	var farms []farmChoice
	for _, p := range peers {
		farms = append(farms, farmChoice{name: p.FarmName, url: p.URL, managerID: p.ManagerID,
			fingerprint: trust.Fingerprint(p.Fingerprint)})
	}
	return farms, nil
}

// waitForApproval polls the join request until an admin decides.
func waitForApproval(ctx context.Context, member *client.Client, farm string, waiting func(string)) error {
	for {
		st, err := member.JoinStatus(ctx)
		if err != nil {
			return fmt.Errorf("asking %s about the join request: %w", farm, err)
		}
		switch st.Status {
		case model.MemberApproved:
			return nil
		case model.MemberRejected, model.MemberRevoked:
			return fmt.Errorf("%s turned the join request down (%s)", farm, st.Status)
		}
		waiting(fmt.Sprintf("Asked to join %s as %s. Waiting for an admin to let this computer in: "+
			"in Farmhand on the manager, Workers → Join requests → Approve, or 'farmhand approve %s'.", farm, st.Name, st.ID))
		select {
		case <-ctx.Done():
			return errors.New("stopped waiting for approval")
		case <-time.After(2 * time.Second):
		}
	}
}
