package progress

import (
	"database/sql"
	"time"

	"entgo.io/ent/dialect"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/internal/store"
)

// Service answers progress, rankings and series, and maintains the counters behind them.
type Service struct {
	client *ent.Client
	sql    *sql.DB // PostgreSQL's pool, where Rebuild and Check compute on several connections
	e      *engine
	now    func() time.Time
}

// New returns the service over db; now is the domain clock (time.Now outside tests). The first
// New on a database installs the hooks keeping its counters in step (where the server is wired);
// later ones share them, and each keeps its own clock for what it reads.
func New(db *store.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	s := &Service{client: db.Client, e: engineOf(db, now), now: now}
	if db.Dialect == dialect.Postgres {
		s.sql = db.SQL
	}
	return s
}

func (s *Service) today() day { return dayOf(s.now()) }

// side is the pool a rebuild of Rebuild or Check computes on besides its transaction (nil on
// SQLite).
func (s *Service) side() *sidePool {
	if s.sql == nil {
		return nil
	}
	return &sidePool{db: s.sql}
}
