package discovery

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// TXT keys. txtvers follows the DNS-SD convention: a browser ignores
// announcements of a version it does not know; new keys keep the version.
const (
	txtVersion    = "txtvers=1"
	keyFarm       = "farm"
	keyManager    = "manager"
	keyInstance   = "instance"
	keyStarted    = "started" // Unix milliseconds
	keyAPI        = "api"
	keyAppVersion = "version"
	// keyFingerprint is the manager's certificate fingerprint. mDNS is not
	// authenticated, so a fingerprint learnt from it is only as good as the
	// network; a join code carries a part of it to check against.
	keyFingerprint = "fp"
)

// instanceIDPattern keeps instance ids usable as a DNS label.
var instanceIDPattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,40}$`)

// prepare fills in what Advertise makes itself and checks the rest.
func (a Announcement) prepare() (Announcement, error) {
	if a.InstanceID == "" {
		b := make([]byte, 8)
		rand.Read(b)
		a.InstanceID = hex.EncodeToString(b)
	}
	if a.StartedAt.IsZero() {
		a.StartedAt = time.Now()
	}
	switch {
	case a.ManagerID == "":
		return a, errors.New("announcement without a manager id")
	case !instanceIDPattern.MatchString(a.InstanceID):
		return a, fmt.Errorf("instance id %q: want 1-40 letters, digits or dashes", a.InstanceID)
	case a.Port < 1 || a.Port > 65535:
		return a, fmt.Errorf("announcement port %d out of range", a.Port)
	}
	return a, nil
}

// txt encodes an announcement as DNS-SD TXT strings.
func (a Announcement) txt() []string {
	return []string{
		txtVersion,
		keyFarm + "=" + a.FarmName,
		keyManager + "=" + a.ManagerID,
		keyInstance + "=" + a.InstanceID,
		keyStarted + "=" + strconv.FormatInt(a.StartedAt.UnixMilli(), 10),
		keyAPI + "=" + strconv.Itoa(a.APIVersion),
		keyAppVersion + "=" + a.AppVersion,
		keyFingerprint + "=" + a.Fingerprint,
	}
}

// parseTXT decodes an announcement; the port comes from the SRV record.
func parseTXT(txt []string, port int) (Announcement, error) {
	kv := map[string]string{}
	for _, t := range txt {
		k, v, _ := strings.Cut(t, "=")
		if _, dup := kv[k]; !dup { // DNS-SD: the first occurrence counts
			kv[k] = v
		}
	}
	if "txtvers="+kv["txtvers"] != txtVersion {
		return Announcement{}, fmt.Errorf("unknown txtvers %q", kv["txtvers"])
	}
	a := Announcement{
		FarmName:    kv[keyFarm],
		ManagerID:   kv[keyManager],
		InstanceID:  kv[keyInstance],
		AppVersion:  kv[keyAppVersion],
		Port:        port,
		Fingerprint: kv[keyFingerprint],
	}
	if a.ManagerID == "" || a.InstanceID == "" {
		return Announcement{}, errors.New("no manager or instance id")
	}
	ms, err := strconv.ParseInt(kv[keyStarted], 10, 64)
	if err != nil {
		return Announcement{}, fmt.Errorf("started: %w", err)
	}
	a.StartedAt = time.UnixMilli(ms)
	if a.APIVersion, err = strconv.Atoi(kv[keyAPI]); err != nil {
		return Announcement{}, fmt.Errorf("api version: %w", err)
	}
	return a, nil
}
