package store

import (
	"encoding/json"
	"fmt"

	"farmhand/farm/model"
)

var keySettings = []byte("farm")

// Settings returns the farm's stored settings. A database made by this
// Farmhand has none until its manager's first start stores them: then the
// error wraps ErrNotFound. A record written by a newer Farmhand (a higher
// layout version) is an error, as a newer schema is.
func (tx *Tx) Settings() (*model.Settings, error) {
	v := tx.btx.Bucket(bucketSettings).Get(keySettings)
	if v == nil {
		return nil, fmt.Errorf("farm settings: %w", ErrNotFound)
	}
	var s model.Settings
	if err := json.Unmarshal(v, &s); err != nil {
		return nil, fmt.Errorf("decoding farm settings: %w", err)
	}
	if s.Version > model.SettingsVersion {
		return nil, fmt.Errorf("the farm settings have layout %d, newer than this Farmhand understands (%d): run a newer Farmhand",
			s.Version, model.SettingsVersion)
	}
	if s.Variables == nil {
		s.Variables = []model.Variable{}
	}
	return &s, nil
}

// PutSettings stores s as the farm's settings, stamped with the current
// layout version. It does not validate them: the manager does.
func (tx *Tx) PutSettings(s *model.Settings) error {
	s.Version = model.SettingsVersion
	v, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encoding farm settings: %w", err)
	}
	if err := tx.btx.Bucket(bucketSettings).Put(keySettings, v); err != nil {
		return fmt.Errorf("storing farm settings: %w", err)
	}
	return nil
}
