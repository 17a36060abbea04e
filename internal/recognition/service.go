// Package recognition is commendations and inspections (DESIGN.md §7): proposals and decisions on
// awards with their eligibility rules, the candidates for them, and inspections with the
// incidents they find.
package recognition

import (
	"time"

	"github.com/liemchinh/liemchinh/ent"
)

// Service proposes, decides and revokes commendations and records inspections.
type Service struct {
	client *ent.Client
	now    func() time.Time
}

// New returns the service over client; now is the domain clock (time.Now outside tests).
func New(client *ent.Client, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{client: client, now: now}
}
