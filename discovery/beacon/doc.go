// Package beacon is the transport half of Farmhand's discovery: it answers
// and asks mDNS queries for one DNS-SD service type, and knows nothing about
// farms. The farm-level half (announcement fields, peer cache, expiry) is the
// parent package, discovery. The split mirrors Syncthing's lib/beacon and
// lib/discover.
//
// It wraps github.com/hashicorp/mdns, whose behaviour shapes this package:
//
//   - The responder only answers queries; it never announces by itself and
//     sends no goodbye packets. Browsing is therefore polling, and a peer
//     that stops is noticed only when it stops answering.
//   - Query binds its multicast socket without an interface, so the host
//     needs a route for 224.0.0.0/4 (a default route will do). Without one,
//     both sides fail with ErrNoMulticast.
//   - A query keeps only the last A and the last AAAA record of an answer,
//     so the responder also lists every address in a TXT key (addrsKey).
//   - TXT strings go through miekg/dns's presentation format (backslash
//     escapes); escapeTXT and unescapeTXT keep values byte-exact.
//   - The library logs through the standard log package; Options.Logger
//     receives it at debug level.
package beacon
