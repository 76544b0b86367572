package trust

import (
	"crypto/tls"
	"errors"
	"fmt"
)

// MismatchError: the manager presented a certificate other than the pinned
// one. Either it is not the farm's manager (an impostor on the network), or
// the manager's identity was replaced (its data folder restored or deleted).
type MismatchError struct {
	Want, Got Fingerprint
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("the manager's certificate has fingerprint %s, but this computer trusts %s: "+
		"another computer may be posing as the manager. If the manager's data folder was replaced on purpose, "+
		"join the farm again with its new join code", e.Got.Short(), e.Want.Short())
}

// UnknownError: the manager's certificate is not pinned yet (no fingerprint
// is known for it). Got is what it presented: show it to a person to confirm,
// as SSH does, and pin it then.
type UnknownError struct {
	Got Fingerprint
}

func (e *UnknownError) Error() string {
	return fmt.Sprintf("this computer does not know the manager's certificate yet (fingerprint %s): "+
		"join with the farm's join code, or confirm the fingerprint (shown by 'farmhand joincode' on the manager)", e.Got.Short())
}

// ClientConfig returns the TLS settings of a client that accepts exactly the
// certificate pin names: a whole fingerprint, or a prefix of at least
// PrefixLen characters (from a join code). An empty pin accepts nothing: the
// handshake fails with an *UnknownError carrying the fingerprint presented.
// A different certificate fails it with a *MismatchError. seen, if not nil,
// is told every fingerprint that passed, so that a prefix can be replaced by
// the whole fingerprint.
func ClientConfig(pin Fingerprint, seen func(Fingerprint)) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		// The chain is not checked against authorities and the host name does
		// not matter: the fingerprint below is the whole check.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("the manager presented no certificate")
			}
			got := FingerprintOf(cs.PeerCertificates[0].Raw)
			switch {
			case pin == "":
				return &UnknownError{Got: got}
			case !got.Matches(pin):
				return &MismatchError{Want: pin, Got: got}
			}
			if seen != nil {
				seen(got)
			}
			return nil
		},
	}
}

// ServerConfig returns the manager's TLS settings for its identity.
func ServerConfig(id *Identity) *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{id.Cert}}
}
