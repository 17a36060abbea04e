package progress

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/store"
)

// engine keeps one database's counters in step with its records.
type engine struct {
	dialect string
	now     func() time.Time    // the clock of the first Service on the database
	rolled  atomic.Pointer[day] // the last day the counters were seen reckoned at
	txs     sync.Map            // transaction (*ent.Tx the mutation's context carries) -> *pending
}

type engineKey struct{}

// engineOf returns the engine of db, installing it on db's client the first time: hooks on
// officials, acknowledgements, pledges, self-assessments, incidents, commendations, units,
// emulation registrations and cases add each change's difference to the counters in the change's
// own transaction, just before it commits, whatever path the change takes.
func engineOf(db *store.DB, now func() time.Time) *engine {
	return db.Attach(engineKey{}, func() any {
		e := &engine{dialect: db.Dialect, now: now}
		db.Client.Use(e.hook)
		return e
	}).(*engine)
}

func (e *engine) today() day { return dayOf(e.now()) }

type bulkKey struct{}

// Bulk returns a context whose writes skip the counters: for bulk loads (seeds), which must call
// Rebuild when done.
func Bulk(ctx context.Context) context.Context { return context.WithValue(ctx, bulkKey{}, true) }

func isBulk(ctx context.Context) bool { b, _ := ctx.Value(bulkKey{}).(bool); return b }

// pending is a transaction's changes: each touched record's contribution before the change.
type pending struct {
	e      *engine
	d      db
	today  day
	before map[string]contribution          // kind + ":" + id
	scopes map[string]map[unitYear][]string // the scopes of each unit each counted in, by year, before any change
	tree   map[string]unitNode              // the unit tree before any change
}

func newPending(e *engine, d db) *pending {
	return &pending{e: e, d: d, today: e.today(), before: map[string]contribution{},
		scopes: map[string]map[unitYear][]string{}, tree: map[string]unitNode{}}
}

const (
	kindOfficial = "o"
	kindUnit     = "u"
	kindCase     = "c"
)

// touch records the contributions, before any change, of records the transaction is about to
// change.
func (p *pending) touch(ctx context.Context, kind string, ids ...string) error {
	var todo []string
	for _, id := range ids {
		if _, ok := p.before[kind+":"+id]; !ok && id != "" {
			todo = append(todo, id)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	cs, err := contributions(ctx, p.d, kind, todo, p.today)
	if err != nil {
		return err
	}
	units := make([]string, 0, len(todo))
	for _, id := range todo {
		c := cs[id]
		units = append(units, c.units()...)
	}
	// Where they count is read now too: a unit may move later in the transaction.
	if err := loadTreeOf(ctx, p.d, units, p.tree); err != nil {
		return err
	}
	for _, id := range todo {
		c := cs[id]
		p.before[kind+":"+id] = c
		p.scopes[kind+":"+id] = scopesFor(c, p.tree)
	}
	return nil
}

// contributions are the current contributions of records of a kind (empty for those that do
// not exist).
func contributions(ctx context.Context, d db, kind string, ids []string, today day) (map[string]contribution, error) {
	out := make(map[string]contribution, len(ids))
	size := chunk
	if d.dialect == dialect.Postgres {
		size = bigChunk
	}
	for lo := 0; lo < len(ids); lo += size {
		part := ids[lo:min(lo+size, len(ids))]
		switch kind {
		case kindOfficial:
			m, err := loadOfficials(ctx, d, d.idsIn("id", part))
			if err != nil {
				return nil, err
			}
			for id, o := range m {
				out[id] = officialContribution(o, today)
			}
		case kindUnit:
			m, err := loadUnits(ctx, d, d.idsIn("id", part))
			if err != nil {
				return nil, err
			}
			for id, u := range m {
				out[id] = unitContribution(u, today)
			}
		case kindCase:
			m, err := loadCases(ctx, d, d.idsIn("id", part))
			if err != nil {
				return nil, err
			}
			for id, k := range m {
				out[id] = caseContribution(k, today)
			}
		}
	}
	return out, nil
}

// flush adds the transaction's differences to the counters.
func (p *pending) flush(ctx context.Context) error {
	byKind := map[string][]string{}
	for k := range p.before {
		byKind[k[:1]] = append(byKind[k[:1]], k[2:])
	}
	dl := delta{}
	tree := map[string]unitNode{}
	var units []string
	after := map[string]contribution{}
	for kind, ids := range byKind {
		cs, err := contributions(ctx, p.d, kind, ids, p.today)
		if err != nil {
			return err
		}
		for _, id := range ids {
			c := cs[id]
			after[kind+":"+id] = c
			units = append(units, c.units()...)
		}
	}
	if err := loadTreeOf(ctx, p.d, units, tree); err != nil {
		return err
	}
	for k, b := range p.before {
		dl.addTo(b, -1, p.scopes[k])
		dl.add(after[k], 1, tree)
	}
	shard := 0
	if p.d.dialect == dialect.Postgres {
		shard = rand.IntN(shards)
	}
	return dl.apply(ctx, p.d, shard)
}

type txMutation interface {
	ent.Mutation
	Client() *ent.Client
	Tx() (*ent.Tx, error)
}

// hook keeps the counters in step with a mutation of a counted type.
func (e *engine) hook(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		if !counted[m.Type()] || isBulk(ctx) {
			return next.Mutate(ctx, m)
		}
		tm, ok := m.(txMutation)
		if !ok {
			return nil, fmt.Errorf("progress: unexpected mutation %T", m)
		}
		p, commit, err := e.pendingOf(ctx, tm)
		if err != nil {
			return nil, err
		}
		if p != nil {
			if err := p.touchMutation(authz.System(ctx, authz.SysProgressTrack), tm); err != nil {
				return nil, fmt.Errorf("progress: %w", err)
			}
		}
		v, err := next.Mutate(ctx, m)
		if err != nil || commit == nil {
			return v, err
		}
		return v, commit(ctx)
	})
}

// counted are the types whose changes move the figures.
var counted = map[string]bool{
	ent.TypeOfficial: true, ent.TypeAcknowledgement: true, ent.TypePledge: true, ent.TypeSelfAssessment: true,
	ent.TypeIncident: true, ent.TypeCommendation: true, ent.TypeUnit: true, ent.TypeEmulationRegistration: true,
	ent.TypeCitizenCase: true, ent.TypeOfficialAssignment: true,
}

// pendingOf returns the transaction's pending changes (registering the flush before its commit),
// or, for a write outside a transaction, fresh ones with the function that flushes them.
func (e *engine) pendingOf(ctx context.Context, m txMutation) (*pending, func(context.Context) error, error) {
	d := db{q: m.Client(), dialect: e.dialect}
	tx, err := m.Tx()
	if err != nil {
		// Not in a transaction (test fixtures, maintenance): the write cannot carry its
		// difference atomically, and a bulk create runs every hook before any insert, so the
		// counters are marked for a rebuild on their next use instead.
		return nil, func(ctx context.Context) error { return e.invalidate(ctx, m.Client()) }, nil
	}
	// ent hands each mutation a fresh *ent.Tx; the one the context carries (entgql's, InTx's)
	// names the transaction. One the context does not carry cannot be found again by the next
	// mutation: mark the counters for a rebuild once it commits.
	key := ent.TxFromContext(ctx)
	if key == nil {
		tx.OnCommit(func(next ent.Committer) ent.Committer {
			return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
				err := next.Commit(ctx, tx)
				e.rolled.Store(nil)
				return err
			})
		})
		return nil, func(ctx context.Context) error { return e.invalidate(ctx, m.Client()) }, nil
	}
	p, err := e.pendingIn(ctx, key, d)
	return p, nil, err
}

// pendingIn returns the pending changes of the transaction key, registering them (and their
// flush before its commit) the first time.
func (e *engine) pendingIn(ctx context.Context, key *ent.Tx, d db) (*pending, error) {
	if v, ok := e.txs.Load(key); ok {
		return v.(*pending), nil
	}
	p := newPending(e, d)
	// Bring the counters to today first, so the differences apply to today's figures.
	brought, err := e.ensureIn(ctx, d, p.today)
	if err != nil {
		return nil, err
	}
	e.txs.Store(key, p)
	key.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			e.txs.Delete(key)
			if err := p.flush(ctx); err != nil {
				_ = tx.Rollback()
				return fmt.Errorf("progress: %w", err)
			}
			if err := next.Commit(ctx, tx); err != nil {
				return err
			}
			if brought {
				// Known to be today's only once committed: a transaction rolled back takes its
				// rebuild or roll away with it.
				e.rolled.Store(&p.today)
			}
			return nil
		})
	})
	key.OnRollback(func(next ent.Rollbacker) ent.Rollbacker {
		return ent.RollbackFunc(func(ctx context.Context, tx *ent.Tx) error {
			e.txs.Delete(key)
			return next.Rollback(ctx, tx)
		})
	})
	return p, nil
}

// TrackNew is TrackOfficials for officials the change creates: they counted nowhere before, so
// nothing is read now.
func (s *Service) TrackNew(ctx context.Context, ids []string) error {
	key := ent.TxFromContext(ctx)
	if key == nil {
		return fmt.Errorf("progress: TrackNew outside a transaction")
	}
	p, err := s.e.pendingIn(ctx, key, db{q: key.Client(), dialect: s.e.dialect})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, ok := p.before[kindOfficial+":"+id]; !ok {
			p.before[kindOfficial+":"+id] = contribution{}
		}
	}
	return nil
}

// TrackOfficials makes the counters follow officials (and their assignments) that the
// transaction ctx carries is about to change in bulk with its own SQL (a roster import): their
// contributions are read now and again just before the commit, and the difference is added to
// the counters in that same transaction, set-based. Call it before the change; officials created
// by the change are passed too (they counted nowhere before).
func (s *Service) TrackOfficials(ctx context.Context, ids []string) error {
	key := ent.TxFromContext(ctx)
	if key == nil {
		return fmt.Errorf("progress: TrackOfficials outside a transaction")
	}
	d := db{q: key.Client(), dialect: s.e.dialect}
	p, err := s.e.pendingIn(ctx, key, d)
	if err != nil {
		return err
	}
	return p.touch(authz.System(ctx, authz.SysProgressTrack), kindOfficial, ids...)
}

// ensureIn brings the counters to today inside d's transaction, unless they are known to be, and
// reports whether it had to look: the caller records them as today's once the transaction commits.
func (e *engine) ensureIn(ctx context.Context, d db, today day) (bool, error) {
	if r := e.rolled.Load(); r != nil && *r == today {
		return false, nil
	}
	return true, ensure(ctx, d, today)
}

// touchMutation touches every record whose contribution the mutation may change.
func (p *pending) touchMutation(ctx context.Context, m txMutation) error {
	var ids []string
	if !m.Op().Is(ent.OpCreate) {
		idm, ok := m.(interface {
			IDs(context.Context) ([]string, error)
		})
		if !ok {
			return fmt.Errorf("mutation %T has no IDs", m)
		}
		var err error
		if ids, err = idm.IDs(ctx); err != nil {
			return err
		}
	} else if im, ok := m.(interface{ ID() (string, bool) }); ok {
		if id, ok := im.ID(); ok {
			ids = []string{id}
		}
	}
	owners := func(kind, table, column string) error {
		// The records' owners before the change...
		var owned []string
		for lo := 0; lo < len(ids) && !m.Op().Is(ent.OpCreate); lo += chunk {
			f := idsIn("id", ids[lo:min(lo+chunk, len(ids))])
			if err := p.d.query(ctx, "SELECT "+column+" FROM "+table+" t WHERE "+f.where+" AND "+column+" IS NOT NULL", f.args,
				func(r *sql.Rows) error {
					var id string
					if err := r.Scan(&id); err != nil {
						return err
					}
					owned = append(owned, id)
					return nil
				}); err != nil {
				return err
			}
		}
		return p.touch(ctx, kind, owned...)
	}
	edge := func(kind string, id string, set bool) error {
		if !set {
			return nil
		}
		return p.touch(ctx, kind, id) // ... and after it
	}
	switch mm := m.(type) {
	case *ent.OfficialMutation:
		return p.touchOrNew(ctx, m, kindOfficial, ids)
	case *ent.CitizenCaseMutation:
		return p.touchOrNew(ctx, m, kindCase, ids)
	case *ent.AcknowledgementMutation:
		id, set := mm.OfficialID()
		return errs(owners(kindOfficial, "acknowledgements", "official_acknowledgements"), edge(kindOfficial, id, set))
	case *ent.PledgeMutation:
		id, set := mm.OfficialID()
		return errs(owners(kindOfficial, "pledges", "official_pledges"), edge(kindOfficial, id, set))
	case *ent.SelfAssessmentMutation:
		id, set := mm.OfficialID()
		return errs(owners(kindOfficial, "self_assessments", "official_self_assessments"), edge(kindOfficial, id, set))
	case *ent.IncidentMutation:
		id, set := mm.OfficialID()
		return errs(owners(kindOfficial, "incidents", "official_incidents"), edge(kindOfficial, id, set))
	case *ent.OfficialAssignmentMutation:
		id, set := mm.OfficialID()
		return errs(owners(kindOfficial, "official_assignments", "official_assignments"), edge(kindOfficial, id, set))
	case *ent.EmulationRegistrationMutation:
		id, set := mm.UnitID()
		return errs(owners(kindUnit, "emulation_registrations", "unit_emulation_registrations"), edge(kindUnit, id, set))
	case *ent.CommendationMutation:
		oid, oset := mm.OfficialID()
		uid, uset := mm.UnitID()
		return errs(owners(kindOfficial, "commendations", "official_commendations"),
			owners(kindUnit, "commendations", "unit_commendations"), edge(kindOfficial, oid, oset), edge(kindUnit, uid, uset))
	case *ent.UnitMutation:
		if err := p.touchOrNew(ctx, m, kindUnit, ids); err != nil || m.Op().Is(ent.OpCreate) {
			return err
		}
		_, parent := mm.ParentID()
		_, district := mm.DistrictID()
		_, province := mm.ProvinceID()
		if parent || district || province || mm.ParentCleared() || mm.DistrictCleared() {
			return p.touchSubtrees(ctx, ids)
		}
	}
	return nil
}

// touchOrNew touches the records a mutation changes; a record being created (its id freshly
// generated) counted nowhere before, so nothing needs reading.
func (p *pending) touchOrNew(ctx context.Context, m ent.Mutation, kind string, ids []string) error {
	if !m.Op().Is(ent.OpCreate) {
		return p.touch(ctx, kind, ids...)
	}
	for _, id := range ids {
		if _, ok := p.before[kind+":"+id]; !ok {
			p.before[kind+":"+id] = contribution{}
		}
	}
	return nil
}

// touchSubtrees touches everything counted under units about to move in the tree: their
// sub-units, the officials and the cases of all of them.
func (p *pending) touchSubtrees(ctx context.Context, roots []string) error {
	for lo := 0; lo < len(roots); lo += chunk {
		f := idsIn("id", roots[lo:min(lo+chunk, len(roots))])
		sub := "(WITH RECURSIVE sub(id) AS (SELECT t.id FROM units t WHERE " + f.where +
			" UNION SELECT u.id FROM units u JOIN sub s ON u.unit_children = s.id) SELECT id FROM sub)"
		for _, q := range []struct{ kind, query string }{
			{kindUnit, "SELECT id FROM units WHERE id IN " + sub},
			{kindOfficial, "SELECT id FROM officials WHERE unit_officials IN " + sub},
			// and those who worked there before (their figures of those years count there).
			{kindOfficial, "SELECT DISTINCT official_assignments FROM official_assignments WHERE unit_assignments IN " + sub},
			{kindCase, "SELECT id FROM cases WHERE unit_cases IN " + sub},
		} {
			var ids []string
			if err := p.d.query(ctx, q.query, f.args, func(r *sql.Rows) error {
				var id string
				if err := r.Scan(&id); err != nil {
					return err
				}
				ids = append(ids, id)
				return nil
			}); err != nil {
				return err
			}
			if err := p.touch(ctx, q.kind, ids...); err != nil {
				return err
			}
		}
	}
	return nil
}

func errs(es ...error) error {
	for _, err := range es {
		if err != nil {
			return err
		}
	}
	return nil
}
