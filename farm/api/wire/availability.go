package wire

import (
	"farmhand/farm/availability"
	"farmhand/farm/model"
)

// AvailabilityReport is what a worker tells the manager about itself every
// little while: what its availability rules say now, and the MAC addresses
// Wake-on-LAN reaches it at. The answer is its rules (availability.Rules).
type AvailabilityReport struct {
	Decision availability.Decision `json:"decision"`
	MACs     []string              `json:"macs"`
	// IdleUnreadable says why the worker cannot read how long its computer
	// has gone without input (no display, say); empty when it can.
	IdleUnreadable string `json:"idle_unreadable,omitempty"`
}

// WorkerAvailability is a worker's availability rules with what they said at
// its last report (absent before its first).
type WorkerAvailability struct {
	WorkerID string                 `json:"worker_id"`
	Rules    availability.Rules     `json:"rules"`
	Decision *availability.Decision `json:"decision,omitempty"`
}

// WakeResult says what waking a worker did: the magic packets sent ("MAC →
// broadcast address"), or that an online, asleep worker was asked to wake.
type WakeResult struct {
	Worker        *model.Worker `json:"worker"`
	Packets       []string      `json:"packets"`
	StatusChanged bool          `json:"status_changed"`
}
