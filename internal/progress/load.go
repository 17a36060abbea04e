package progress

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"
)

// querier runs raw SQL: an ent client, inside a transaction or not (ent's sql/execquery feature).
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// db is a querier with its dialect: statements are written with ? and rebound for PostgreSQL.
type db struct {
	q       querier
	dialect string
	// side is the database's pool, for a rebuild that may compute on connections of its own
	// besides q's transaction (rebuildSQL); nil inside a transaction that may hold changes.
	side *sidePool
}

// sidePool is the pool a rebuild computes on besides its transaction, and the tables it made
// there: the transaction reads them, and so holds them until it ends, after which its owner
// drops them (dropStaged).
type sidePool struct {
	db     *sql.DB
	mu     sync.Mutex
	tables []string
}

// take takes n connections of the pool, or none if they are not free within a few seconds.
func (s *sidePool) take(ctx context.Context, n int) ([]*sql.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conns := make([]*sql.Conn, 0, n)
	for range n {
		c, err := s.db.Conn(ctx)
		if err != nil {
			for _, c := range conns {
				_ = c.Close()
			}
			return nil, err
		}
		conns = append(conns, c)
	}
	return conns, nil
}

func (s *sidePool) made(table string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tables = append(s.tables, table)
}

// dropStaged drops the tables the rebuild made, once its transaction has ended. One it cannot
// drop (the database went away) goes with the next rebuild.
func (s *sidePool) dropStaged(ctx context.Context) {
	if s == nil {
		return
	}
	s.mu.Lock()
	tables := s.tables
	s.tables = nil
	s.mu.Unlock()
	if len(tables) > 0 {
		_, _ = s.db.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+strings.Join(tables, ", "))
	}
}

func (d db) rebind(query string) string {
	if d.dialect != dialect.Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (d db) query(ctx context.Context, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := d.q.QueryContext(ctx, d.rebind(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (d db) exec(ctx context.Context, query string, args ...any) error {
	_, err := d.q.ExecContext(ctx, d.rebind(query), args...)
	return err
}

// filter is a condition on a table's rows (alias t) with its arguments.
type filter struct {
	where string
	args  []any
}

// bigChunk bounds the ids of one array on PostgreSQL (bulk changes track many officials).
const bigChunk = 20000

// idsIn is idsIn, as one array parameter on PostgreSQL (any number of ids in one statement).
func (d db) idsIn(col string, ids []string) filter {
	if d.dialect == dialect.Postgres {
		return filter{where: "t." + col + " = ANY(?)", args: []any{pq.Array(ids)}}
	}
	return idsIn(col, ids)
}

// idsIn is "t.col IN (ids)".
func idsIn(col string, ids []string) filter {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return filter{where: "t." + col + " IN (" + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + ")", args: args}
}

func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time
	return &v
}

// loadOfficials reads the facts of the officials matching f (on table officials t), keyed by id.
func loadOfficials(ctx context.Context, d db, f filter) (map[string]*officialFacts, error) {
	out := map[string]*officialFacts{}
	err := d.query(ctx, "SELECT t.id, t.unit_officials, t.active_from, t.active_to FROM officials t WHERE "+f.where, f.args,
		func(r *sql.Rows) error {
			o := &officialFacts{}
			var to sql.NullTime
			if err := r.Scan(&o.ID, &o.Unit, &o.From, &to); err != nil {
				return err
			}
			o.To = nullTime(to)
			out[o.ID] = o
			return nil
		})
	if err != nil || len(out) == 0 {
		return out, err
	}
	sub := "(SELECT t.id FROM officials t WHERE " + f.where + ")"
	// Acknowledgements: the first of any campaign (an aggregate would lose SQLite's time type).
	if err := d.query(ctx, "SELECT official_acknowledgements, acknowledged_at FROM acknowledgements WHERE official_acknowledgements IN "+sub, f.args,
		func(r *sql.Rows) error {
			var id string
			var at time.Time
			if err := r.Scan(&id, &at); err != nil {
				return err
			}
			if o := out[id]; o != nil && (o.AckedAt == nil || at.Before(*o.AckedAt)) {
				o.AckedAt = &at
			}
			return nil
		}); err != nil {
		return nil, err
	}
	if err := d.query(ctx, "SELECT official_pledges, year, signed_at FROM pledges WHERE status = 'SIGNED' AND official_pledges IN "+sub, f.args,
		func(r *sql.Rows) error {
			var id string
			var p pledgeFact
			if err := r.Scan(&id, &p.Year, &p.SignedAt); err != nil {
				return err
			}
			if o := out[id]; o != nil {
				o.Pledges = append(o.Pledges, p)
			}
			return nil
		}); err != nil {
		return nil, err
	}
	if err := d.query(ctx, "SELECT official_self_assessments, year, status, final_classification, not_rated, submitted_at FROM self_assessments"+
		" WHERE period_kind = 'YEAR' AND status IN ('SUBMITTED', 'REVIEWED') AND official_self_assessments IN "+sub, f.args,
		func(r *sql.Rows) error {
			var id, status string
			var cls sql.NullString
			var notRatedFlag bool
			var at sql.NullTime
			var a assessmentFact
			if err := r.Scan(&id, &a.Year, &status, &cls, &notRatedFlag, &at); err != nil {
				return err
			}
			a.Reviewed, a.SubmittedAt = status == "REVIEWED", nullTime(at)
			if cls.Valid && !notRatedFlag {
				a.Classification = cls.String
			}
			if o := out[id]; o != nil {
				o.Assessed = append(o.Assessed, a)
			}
			return nil
		}); err != nil {
		return nil, err
	}
	if err := d.query(ctx, "SELECT official_incidents, year, occurred_on FROM incidents WHERE official_incidents IN "+sub, f.args,
		func(r *sql.Rows) error {
			var id string
			var in incidentFact
			if err := r.Scan(&id, &in.Year, &in.OccurredOn); err != nil {
				return err
			}
			if o := out[id]; o != nil {
				o.Incidents = append(o.Incidents, in)
			}
			return nil
		}); err != nil {
		return nil, err
	}
	if err := d.query(ctx, "SELECT id, official_assignments, unit_assignments, valid_from FROM official_assignments WHERE official_assignments IN "+sub, f.args,
		func(r *sql.Rows) error {
			var id string
			var a assignmentFact
			if err := r.Scan(&a.ID, &id, &a.Unit, &a.From); err != nil {
				return err
			}
			if o := out[id]; o != nil {
				o.Assignments = append(o.Assignments, a)
			}
			return nil
		}); err != nil {
		return nil, err
	}
	for _, o := range out {
		sortAssignments(o.Assignments)
	}
	if err := d.query(ctx, "SELECT official_commendations, year, form, level FROM commendations WHERE status = 'APPROVED' AND official_commendations IN "+sub, f.args,
		func(r *sql.Rows) error {
			var id string
			var c commendationFact
			if err := r.Scan(&id, &c.Year, &c.Form, &c.Level); err != nil {
				return err
			}
			if o := out[id]; o != nil {
				o.Commended = append(o.Commended, c)
			}
			return nil
		}); err != nil {
		return nil, err
	}
	return out, nil
}

// loadUnits reads the facts of the units matching f (on table units t), keyed by id.
func loadUnits(ctx context.Context, d db, f filter) (map[string]*unitFacts, error) {
	out := map[string]*unitFacts{}
	if err := d.query(ctx, "SELECT t.id, t.opened_on, t.closed_on FROM units t WHERE "+f.where, f.args, func(r *sql.Rows) error {
		u := &unitFacts{}
		var opened, closed sql.NullTime
		if err := r.Scan(&u.ID, &opened, &closed); err != nil {
			return err
		}
		u.Opened, u.Closed = nullTime(opened), nullTime(closed)
		out[u.ID] = u
		return nil
	}); err != nil || len(out) == 0 {
		return out, err
	}
	sub := "(SELECT t.id FROM units t WHERE " + f.where + ")"
	if err := d.query(ctx, "SELECT unit_emulation_registrations, year, registered_at FROM emulation_registrations WHERE unit_emulation_registrations IN "+sub, f.args,
		func(r *sql.Rows) error {
			var id string
			var g registrationFact
			if err := r.Scan(&id, &g.Year, &g.RegisteredAt); err != nil {
				return err
			}
			if u := out[id]; u != nil {
				u.Registered = append(u.Registered, g)
			}
			return nil
		}); err != nil {
		return nil, err
	}
	// A commendation of an official counts with the official; of a unit alone, with the unit.
	if err := d.query(ctx, "SELECT unit_commendations, year, form, level FROM commendations WHERE status = 'APPROVED' AND official_commendations IS NULL AND unit_commendations IN "+sub, f.args,
		func(r *sql.Rows) error {
			var id string
			var c commendationFact
			if err := r.Scan(&id, &c.Year, &c.Form, &c.Level); err != nil {
				return err
			}
			if u := out[id]; u != nil {
				u.Commended = append(u.Commended, c)
			}
			return nil
		}); err != nil {
		return nil, err
	}
	return out, nil
}

// loadCases reads the facts of the cases matching f (on table cases t), keyed by id.
func loadCases(ctx context.Context, d db, f filter) (map[string]*caseFacts, error) {
	out := map[string]*caseFacts{}
	err := d.query(ctx, "SELECT t.id, t.unit_cases, t.channel, t.category, t.state, t.received_at, t.acknowledge_due_at, t.due_at, t.concluded_at, t.rating FROM cases t WHERE "+f.where, f.args,
		func(r *sql.Rows) error {
			k := &caseFacts{}
			var cat sql.NullString
			var ack, due, concl sql.NullTime
			var rating sql.NullInt64
			if err := r.Scan(&k.ID, &k.Unit, &k.Channel, &cat, &k.State, &k.ReceivedAt, &ack, &due, &concl, &rating); err != nil {
				return err
			}
			k.Category, k.AckDueAt, k.DueAt, k.ConcludedAt = cat.String, nullTime(ack), nullTime(due), nullTime(concl)
			if rating.Valid {
				v := int(rating.Int64)
				k.Rating = &v
			}
			out[k.ID] = k
			return nil
		})
	return out, err
}

// unitNode is where a unit sits now: its parent, district and province; and, when it was moved
// (unitUpdate with a date), where it sat before (Past, oldest first).
type unitNode struct {
	Parent, District, Province string
	Past                       []pastPlace
}

// pastPlace is a unit's place until a move: it holds the years before the move's year (the years
// whose reference day, 31 December, falls before the move's day; the current year's reference
// day, today, never does, as a move is never dated ahead). Several moves in one year leave the
// earlier places none of them.
type pastPlace struct {
	Until                      int // the year of the move that ended it
	Parent, District, Province string
}

// at is where the unit sat for the figures of a year.
func (n unitNode) at(year int) unitNode {
	for _, p := range n.Past {
		if year < p.Until {
			return unitNode{Parent: p.Parent, District: p.District, Province: p.Province}
		}
	}
	return n
}

// loadTree reads the units matching f and all their ancestors, present and past (the parents
// they had before a dated move, and theirs), with the places they held before their moves.
func loadTree(ctx context.Context, d db, f filter, into map[string]unitNode) error {
	// Each step reads its units' parents by key. On PostgreSQL the step is a LATERAL subquery:
	// written as a join to the union of all units and placements (SQLite's form, which has no
	// LATERAL), the planner estimated the chain at 48,000 units of the national seed for the few
	// it holds, and chose hash joins over whole tables where 2 index probes a level do.
	step := " UNION SELECT p.parent FROM (SELECT u.id, u.unit_children AS parent FROM units u" +
		" UNION ALL SELECT h.unit_placements, h.parent_id FROM unit_placements h) p JOIN chain c ON p.id = c.id WHERE p.parent IS NOT NULL) "
	if d.dialect == dialect.Postgres {
		step = " UNION SELECT p.parent FROM chain c CROSS JOIN LATERAL (SELECT u.unit_children AS parent FROM units u WHERE u.id = c.id" +
			" UNION ALL SELECT h.parent_id FROM unit_placements h WHERE h.unit_placements = c.id) p WHERE p.parent IS NOT NULL) "
	}
	chain := "WITH RECURSIVE chain(id) AS (SELECT t.id FROM units t WHERE " + f.where + step
	// The units' present places, and whether any was moved; their past places only then (one
	// statement in the common case: a case submission is counted in 7).
	loaded := map[string]unitNode{}
	moved := false
	if err := d.query(ctx, chain+"SELECT u.id, u.unit_children, u.district_units, u.province_units,"+
		" EXISTS (SELECT 1 FROM unit_placements h WHERE h.unit_placements = u.id) FROM units u WHERE u.id IN (SELECT id FROM chain)", f.args, func(r *sql.Rows) error {
		var id string
		var parent, district, province sql.NullString
		var m bool
		if err := r.Scan(&id, &parent, &district, &province, &m); err != nil {
			return err
		}
		moved = moved || m
		loaded[id] = unitNode{Parent: parent.String, District: district.String, Province: province.String}
		return nil
	}); err != nil {
		return err
	}
	if moved {
		if err := d.query(ctx, chain+"SELECT h.unit_placements, h.parent_id, h.district_id, h.province_id, h.valid_to FROM unit_placements h"+
			" WHERE h.unit_placements IN (SELECT id FROM chain) ORDER BY h.unit_placements, h.valid_to, h.id", f.args, func(r *sql.Rows) error {
			var id string
			var parent, district sql.NullString
			var province string
			var until time.Time
			if err := r.Scan(&id, &parent, &district, &province, &until); err != nil {
				return err
			}
			n := loaded[id]
			n.Past = append(n.Past, pastPlace{Until: dayOf(until).Y, Parent: parent.String, District: district.String, Province: province})
			loaded[id] = n
			return nil
		}); err != nil {
			return err
		}
	}
	for id, n := range loaded {
		if _, ok := into[id]; !ok { // what was read first stays: the tree before a change
			into[id] = n
		}
	}
	return nil
}

// scopesOf are the counter scopes a unit's records count in now (scopesAt of the current year).
func scopesOf(unit string, tree map[string]unitNode) []string { return scopesAt(unit, 1<<30, tree) }

// scopesAt are the counter scopes a unit's records of a year count in: the unit and each of its
// ancestors of that year (a unit scope holds its sub-units), its district and province of that
// year, and the nation.
func scopesAt(unit string, year int, tree map[string]unitNode) []string {
	var out []string
	seen := map[string]bool{}
	for u := unit; u != "" && !seen[u]; u = tree[u].at(year).Parent {
		seen[u] = true
		out = append(out, u)
	}
	if n, ok := tree[unit]; ok {
		n = n.at(year)
		if n.District != "" {
			out = append(out, n.District)
		}
		if n.Province != "" {
			out = append(out, n.Province)
		}
	}
	return append(out, nationScope)
}

// nationScope is the counter scope of the whole nation (ids of units, districts and provinces
// carry their type prefix, so they never clash with it).
const nationScope = "nation"
