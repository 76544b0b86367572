package store

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"farmhand/farm/model"
)

// ErrBadCursor is returned (wrapped) by AuditEntries for a cursor that is
// not an audit entry's ID.
var ErrBadCursor = errors.New("not an audit entry id")

// keyAuditCount (in meta) is how many entries the audit bucket holds, so that
// keeping the log bounded costs no walk over it.
var keyAuditCount = []byte("audit_count")

// auditKeyLen is the length of an audit key: the entry's time in Unix
// nanoseconds and the bucket's sequence number, both big-endian, so that
// bbolt's byte order is time order and entries of the same nanosecond keep
// the order they were written in.
const auditKeyLen = 16

// AppendAudit stores e under a new key made of e.Time and a sequence number,
// sets e.ID to that key (32 hex digits), and then deletes the oldest entries
// until at most keep remain (keep < 1 keeps one). It runs in the caller's
// transaction, so the entry stands or falls with the change it records.
// Errors: bbolt's, wrapped.
func (tx *Tx) AppendAudit(e *model.AuditEntry, keep int) error {
	b := tx.btx.Bucket(bucketAudit)
	seq, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("numbering an audit entry: %w", err)
	}
	key := make([]byte, auditKeyLen)
	binary.BigEndian.PutUint64(key, uint64(max(e.Time.UnixNano(), 0)))
	binary.BigEndian.PutUint64(key[8:], seq)
	e.ID = hex.EncodeToString(key)
	v, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encoding audit entry %s: %w", e.Action, err)
	}
	if err := b.Put(key, v); err != nil {
		return fmt.Errorf("storing audit entry %s: %w", e.Action, err)
	}
	n := tx.auditCount() + 1
	c := b.Cursor()
	for keep = max(keep, 1); n > keep; n-- {
		if k, _ := c.First(); k == nil {
			n = 0
			break
		}
		if err := c.Delete(); err != nil {
			return fmt.Errorf("dropping the oldest audit entry: %w", err)
		}
	}
	if err := tx.btx.Bucket(bucketMeta).Put(keyAuditCount, []byte(strconv.Itoa(n))); err != nil {
		return fmt.Errorf("counting audit entries: %w", err)
	}
	return nil
}

// auditCount returns how many entries the audit log holds.
func (tx *Tx) auditCount() int {
	n, _ := strconv.Atoi(string(tx.btx.Bucket(bucketMeta).Get(keyAuditCount)))
	return n
}

// AuditEntries calls fn for the audit entries older than the entry whose ID
// is before (every entry when before is ""), newest first, until fn returns
// false. before need not name an entry that still exists. Errors: one
// wrapping ErrBadCursor for a before that is not 32 hex digits; a decoding
// error for a stored entry that does not decode.
func (tx *Tx) AuditEntries(before string, fn func(*model.AuditEntry) bool) error {
	c := tx.btx.Bucket(bucketAudit).Cursor()
	var k, v []byte
	if before == "" {
		k, v = c.Last()
	} else {
		from, err := hex.DecodeString(before)
		if err != nil || len(from) != auditKeyLen {
			return fmt.Errorf("audit cursor %q: %w", before, ErrBadCursor)
		}
		// Seek finds the first key at or after from; the one before it is
		// the newest entry older than from.
		if k, _ = c.Seek(from); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	}
	for ; k != nil; k, v = c.Prev() {
		var e model.AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("decoding audit entry %x: %w", k, err)
		}
		e.ID = hex.EncodeToString(k)
		if !fn(&e) {
			return nil
		}
	}
	return nil
}
