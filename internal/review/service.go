// Package review closes annual reviews (immutable, versioned snapshots of a scope's progress),
// assembles the final review 2021-2026, and exports progress and reviews as XLSX and CSV through
// short-lived authenticated links.
package review

import (
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/internal/progress"
)

// Service closes reviews and makes exports.
type Service struct {
	client   *ent.Client
	progress *progress.Service
	linkKey  []byte
	now      func() time.Time
}

// New returns the service over client; linkKey signs download links; now is the domain clock.
func New(client *ent.Client, prog *progress.Service, linkKey []byte, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{client: client, progress: prog, linkKey: linkKey, now: now}
}
