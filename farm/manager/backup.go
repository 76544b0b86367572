package manager

import "io"

// Backup writes a consistent copy of the farm's database to w, taken in one
// read transaction while the farm goes on (store.Store.Backup), and returns
// the bytes written. Task logs (logs.db) and rendered images are not in it.
func (m *Manager) Backup(w io.Writer) (int64, error) { return m.store.Backup(w) }
