package progress

import (
	"time"

	"github.com/liemchinh/liemchinh/ent"
)

// Service answers progress, rankings and series, and maintains the counters behind them.
type Service struct {
	client *ent.Client
	e      *engine
}

// New returns the service over client; now is the domain clock (time.Now outside tests).
func New(client *ent.Client, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	e := engineOf(client)
	e.now.Store(&now)
	return &Service{client: client, e: e}
}
