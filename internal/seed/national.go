package seed

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/ent/campaign"
	"github.com/liemchinh/liemchinh/ent/criterion"
	"github.com/liemchinh/liemchinh/ent/phase"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/pid"
	"github.com/liemchinh/liemchinh/internal/progress"
	"github.com/liemchinh/liemchinh/internal/recordscope"
	"github.com/liemchinh/liemchinh/internal/sealbox"
	"github.com/liemchinh/liemchinh/internal/store"
	"github.com/liemchinh/liemchinh/internal/taskgraph"
)

// NationalCampaignCode is the code of the synthetic nation's campaign.
const NationalCampaignCode = "NATIONAL-SYNTHETIC"

// National logins (password DemoPassword), besides one supervisor per province,
// NationalProvinceSupervisor(code).
const (
	NationalAdmin      = "national.admin"
	NationalSupervisor = "national.supervisor"
)

// NationalProvinceSupervisor is the login of the supervisor of the province with the given code.
func NationalProvinceSupervisor(code string) string { return "province." + code + ".supervisor" }

// ErrNationalNeedsPostgres is returned on SQLite: the national seed loads with PostgreSQL's COPY.
var ErrNationalNeedsPostgres = errors.New("seed --national cần PostgreSQL (DATABASE_URL=postgres://...) / " +
	"the national seed needs PostgreSQL (DATABASE_URL=postgres://...)")

// NationalOptions shape the synthetic nation.
type NationalOptions struct {
	// Scale is the size of the nation: 1 is the full nation (about 3,300 communes, 100,000 units
	// and 2.2 million officials); 0.01 keeps a hundredth of the communes and provincial units; below
	// 0.01 communes also lose most of their public service units. 0 means 1.
	Scale float64
	// Seed varies every random choice; the same Seed, Scale and Now give the same rows, ids
	// included. 0 is the default nation.
	Seed uint64
	// Now is "today": the records run from 2020 up to this day (required).
	Now time.Time
	// Box seals the identities of identified reporters; without it identified cases carry none.
	Box    *sealbox.Box
	Logger *slog.Logger
}

// TableRows is what was loaded into one table.
type TableRows struct {
	Table   string
	Rows    int64
	Elapsed time.Duration
}

// NationalStats reports a national load.
type NationalStats struct {
	Provinces, Communes, Units, Officials int
	Tables                                []TableRows   // in load order
	Rows                                  int64         // all rows loaded by COPY
	Build                                 time.Duration // planning the nation in memory
	Load                                  time.Duration // COPY, index builds and ANALYZE of every table, on two connections
	ForeignKeys                           time.Duration // adding the foreign keys back and validating them
	Rebuild                               time.Duration // the progress counters
	Elapsed                               time.Duration // the whole run
	DatabaseBytes                         int64         // pg_database_size after the load
}

// RowsOf returns the rows loaded into a table (0 if none).
func (s NationalStats) RowsOf(table string) int64 {
	for _, t := range s.Tables {
		if t.Table == table {
			return t.Rows
		}
	}
	return 0
}

// bulkTables are the tables National fills with COPY: all must be empty before it starts, and
// they are emptied again if it fails.
var bulkTables = []string{"units", "officials", "official_name_keys", "acknowledgements", "pledges", "emulation_registrations",
	"self_assessments", "inspections", "cases", "case_events", "case_messages", "incidents", "commendations"}

// National loads a deterministic synthetic nation into an empty PostgreSQL database: the
// reference data and a national campaign through ent, then with COPY the 34 provinces' units
// (about 3,300 communes built from the pre-merger communes of data/vn-admin-units.csv, each with
// its people's committee and public service units, and each province's committee, departments
// and agencies), about 2.2 million officials (Scale 1) and their records from 2020 up to opt.Now:
// acknowledgements, yearly pledges and self-assessments, units' emulation registrations, citizen
// cases with their events, inspections, incidents and commendations. It then creates the accounts
// national.admin, national.supervisor and province.<code>.supervisor (password DemoPassword),
// analyzes the tables and rebuilds the progress counters.
//
// The bulk tables' secondary indexes and the foreign keys from or to them are taken off for the
// COPY and put back after it (same names and definitions, every foreign key validated); the rows
// are written frozen (COPY FREEZE), so that no VACUUM has to visit them.
//
// It refuses SQLite (ErrNationalNeedsPostgres) and a database that already holds units,
// officials or any of their records. If the load fails, the tables it filled are emptied and the
// indexes and foreign keys put back; a load killed half way leaves them off (a later load then
// refuses the database, which is to be created anew).
func National(ctx context.Context, db *store.DB, opt NationalOptions) (NationalStats, error) {
	start := time.Now()
	var st NationalStats
	if db.Dialect != dialect.Postgres {
		return st, ErrNationalNeedsPostgres
	}
	if opt.Scale == 0 {
		opt.Scale = 1
	}
	if opt.Scale < 0 || opt.Scale > 1 || math.IsNaN(opt.Scale) {
		return st, fmt.Errorf("seed: national scale %v is not in (0, 1]", opt.Scale)
	}
	if opt.Now.IsZero() {
		return st, errors.New("seed: NationalOptions.Now is required")
	}
	if y := opt.Now.In(ict).Year(); y < 2021 || y > 2030 {
		return st, fmt.Errorf("seed: NationalOptions.Now %s: the national data runs 2021 to 2030", opt.Now.Format(time.DateOnly))
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx = authz.System(ctx, authz.SysSeed)
	if err := checkEmpty(ctx, db); err != nil {
		return st, err
	}

	n := &nation{opt: opt, now: opt.Now.UTC(), log: log}
	var r *refs
	err := withTx(ctx, db.Client, func(c *ent.Client) error {
		var err error
		if _, r, err = reference(ctx, c); err != nil {
			return err
		}
		return n.campaign(ctx, c)
	})
	if err != nil {
		return st, err
	}
	deferred, err := deferSchema(ctx, db.SQL, bulkTables)
	if err != nil {
		if cerr := cleanupNational(context.WithoutCancel(ctx), db, nil, log); cerr != nil {
			err = errors.Join(err, fmt.Errorf("seed: cleaning up: %w", cerr))
		}
		return st, err
	}
	fail := func(err error) (NationalStats, error) {
		if cerr := cleanupNational(context.WithoutCancel(ctx), db, deferred, log); cerr != nil {
			err = errors.Join(err, fmt.Errorf("seed: cleaning up after the failed load: %w", cerr))
		}
		return NationalStats{}, err
	}

	t := time.Now()
	if err := n.build(r); err != nil {
		return fail(err)
	}
	st.Build = time.Since(t)
	st.Provinces, st.Units, st.Officials = len(n.provinces), len(n.units), len(n.officials)
	for _, u := range n.units {
		if u.level == unit.LevelCOMMUNE && u.kind == unit.KindPEOPLES_COMMITTEE {
			st.Communes++
		}
	}
	log.Info("seed: national plan built", "elapsed", st.Build.Round(time.Millisecond), "provinces", st.Provinces,
		"communes", st.Communes, "units", st.Units, "officials", st.Officials, "cases", len(n.slots),
		"incidents", len(n.incidents))

	t = time.Now()
	if st.Tables, err = n.load(ctx, db, deferred); err != nil {
		return fail(err)
	}
	st.Load = time.Since(t)
	for _, tr := range st.Tables {
		st.Rows += tr.Rows
	}
	log.Info("seed: tables loaded, indexed and analyzed", "rows", st.Rows, "elapsed", st.Load.Round(time.Millisecond))
	t = time.Now()
	if err := deferred.restore(ctx, db.SQL, log); err != nil {
		return fail(fmt.Errorf("seed: %w", err))
	}
	st.ForeignKeys = time.Since(t)
	if err := n.accounts(ctx, db.Client); err != nil {
		return fail(fmt.Errorf("seed: national accounts: %w", err))
	}

	if _, err := db.SQL.ExecContext(ctx, "ANALYZE accounts, provinces, campaigns"); err != nil {
		return st, fmt.Errorf("seed: analyze: %w", err)
	}

	t = time.Now()
	if err := recordscope.RebuildCounts(ctx, db.SQL); err != nil {
		return st, fmt.Errorf("seed: %w", err)
	}
	log.Info("seed: record counts built", "elapsed", time.Since(t).Round(time.Millisecond))
	if err := progress.New(db, time.Now).Rebuild(ctx); err != nil {
		return st, fmt.Errorf("seed: rebuilding progress: %w", err)
	}
	st.Rebuild = time.Since(t)
	if _, err := db.SQL.ExecContext(ctx, "ANALYZE progress_counters, progress_clocks, record_counts"); err != nil {
		return st, fmt.Errorf("seed: analyze: %w", err)
	}
	if err := db.SQL.QueryRowContext(ctx, "SELECT pg_database_size(current_database())").Scan(&st.DatabaseBytes); err != nil {
		return st, err
	}
	st.Elapsed = time.Since(start)
	log.Info("seed: national data loaded", "elapsed", st.Elapsed.Round(time.Millisecond), "rows", st.Rows,
		"load", st.Load.Round(time.Millisecond), "rebuild", st.Rebuild.Round(time.Millisecond), "bytes", st.DatabaseBytes)
	return st, nil
}

// checkEmpty refuses a database that holds anything National would load.
func checkEmpty(ctx context.Context, db *store.DB) error {
	for _, t := range bulkTables {
		var exists bool
		if err := db.SQL.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+t+`)`).Scan(&exists); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		if exists {
			return fmt.Errorf("seed --national chỉ nạp vào cơ sở dữ liệu trống (bảng %s đã có dữ liệu) / "+
				"the national seed loads into an empty migrated database only (table %s has rows): "+
				"create a new database and run migrate first", t, t)
		}
	}
	for _, l := range []string{NationalAdmin, NationalSupervisor} {
		n, err := db.Client.Account.Query().Where(account.Login(l)).Count(ctx)
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("seed --national: tài khoản %s đã tồn tại / account %s exists", l, l)
		}
	}
	return nil
}

// cleanupNational empties what a failed load filled (the bulk tables, the national accounts and
// the national campaign) and puts back the indexes and foreign keys it took off.
func cleanupNational(ctx context.Context, db *store.DB, deferred *deferredSchema, log *slog.Logger) error {
	ctx = authz.System(ctx, authz.SysSeed)
	if _, err := db.SQL.ExecContext(ctx, "TRUNCATE record_counts, "+strings.Join(bulkTables, ", ")); err != nil {
		return err
	}
	if deferred != nil {
		if err := deferred.restore(ctx, db.SQL, log); err != nil {
			return err
		}
	}
	return withTx(ctx, db.Client, func(c *ent.Client) error {
		logins := []string{NationalAdmin, NationalSupervisor}
		for _, m := range mergers {
			logins = append(logins, NationalProvinceSupervisor(m.code))
		}
		if _, err := c.Account.Delete().Where(account.LoginIn(logins...)).Exec(ctx); err != nil {
			return err
		}
		cmp, err := c.Campaign.Query().Where(campaign.Code(NationalCampaignCode)).Only(ctx)
		if ent.IsNotFound(err) {
			return nil
		} else if err != nil {
			return err
		}
		if _, err := c.Phase.Delete().Where(phase.HasCampaignWith(campaign.ID(cmp.ID))).Exec(ctx); err != nil {
			return err
		}
		if _, err := c.Criterion.Delete().Where(criterion.HasCampaignWith(campaign.ID(cmp.ID))).Exec(ctx); err != nil {
			return err
		}
		return c.Campaign.DeleteOneID(cmp.ID).Exec(ctx)
	})
}

// campaign creates the nation's campaign, its two phases and the criteria of the plan.
func (n *nation) campaign(ctx context.Context, c *ent.Client) error {
	s := n.stream("campaign")
	created := at(campaignIssued, 9, 0)
	n.campaignID = s.id(pid.Campaign, created)
	err := c.Campaign.Create().SetID(n.campaignID).SetCreatedAt(created).SetUpdatedAt(created).
		SetCode(NationalCampaignCode).SetPlanNumber("TH-QG/2020").SetIssuer("Dữ liệu tổng hợp toàn quốc").
		SetTitleVi("Cuộc vận động “Cán bộ, công chức, viên chức nói không với tiêu cực” (dữ liệu tổng hợp toàn quốc)").
		SetTitleEn("Campaign “Officials and public employees say no to negative practices” (synthetic national data)").
		SetSummaryVi("Dữ liệu tổng hợp, sinh tự động để đo hiệu năng: 34 tỉnh, thành phố sau ngày 1/7/2025, khoảng 3.300 xã, " +
			"phường và 2,2 triệu cán bộ, công chức, viên chức; cam kết, tự đánh giá, phản ánh, tố cáo giai đoạn 2021 - 2026.").
		SetSummaryEn("Synthetic data generated for performance measurement: the 34 provinces after 1 July 2025, about 3,300 " +
			"communes and 2.2 million officials; pledges, self-assessments and citizen cases of 2021-2026.").
		SetIssuedOn(campaignIssued).Exec(ctx)
	if err != nil {
		return err
	}
	endYear, review := 2020, 2026
	err = c.Phase.CreateBulk(
		c.Phase.Create().SetID(s.id(pid.Phase, created)).SetCreatedAt(created).SetUpdatedAt(created).
			SetCampaignID(n.campaignID).SetNumber(1).SetTitleVi("Giai đoạn 1 - năm 2020").SetTitleEn("Phase 1 - 2020").
			SetStartYear(2020).SetEndYear(endYear).SetTargetMetric(phase.TargetMetricAWARENESS_RATE).
			SetTargetMin(1).SetTargetMax(1),
		c.Phase.Create().SetID(s.id(pid.Phase, created)).SetCreatedAt(created).SetUpdatedAt(created).
			SetCampaignID(n.campaignID).SetNumber(2).
			SetTitleVi("Giai đoạn 2 - từ năm 2021 đến năm 2026 và các năm tiếp theo").
			SetTitleEn("Phase 2 - 2021 to 2026 and the years after").
			SetStartYear(2021).SetReviewYear(review).SetTargetMetric(phase.TargetMetricNEGATIVITY_REDUCTION).
			SetTargetMin(0.05).SetTargetMax(0.10),
	).Exec(ctx)
	if err != nil {
		return err
	}
	cs := make([]*ent.CriterionCreate, 0, len(criteria))
	for i, cr := range criteria {
		cs = append(cs, c.Criterion.Create().SetID(s.id(pid.Criterion, created)).SetCreatedAt(created).
			SetUpdatedAt(created).SetCampaignID(n.campaignID).SetCode(cr.code).SetKind(criterion.Kind(cr.kind)).
			SetTitleVi(cr.vi).SetTitleEn(cr.en).SetPosition(i+1))
	}
	return c.Criterion.CreateBulk(cs...).Exec(ctx)
}

// accounts creates national.admin, national.supervisor and a supervisor per province.
func (n *nation) accounts(ctx context.Context, client *ent.Client) error {
	return withTx(ctx, client, func(c *ent.Client) error {
		s := n.stream("accounts")
		created := at(campaignIssued, 8, 0)
		// One argon2id hash for all: the password is published, and 36 hashes would take seconds.
		hash := demoHash(s)
		b := make([]*ent.AccountCreate, 0, len(n.provinces)+2)
		add := func(login string, role account.Role, kind account.ScopeKind) *ent.AccountCreate {
			a := c.Account.Create().SetID(s.id(pid.Account, created)).SetCreatedAt(created).SetUpdatedAt(created).
				SetLogin(login).SetPasswordHash(hash).SetRole(role).SetScopeKind(kind).SetPasswordChangedAt(created)
			b = append(b, a)
			return a
		}
		add(NationalAdmin, account.RoleADMIN, account.ScopeKindNATION)
		add(NationalSupervisor, account.RoleSUPERVISOR, account.ScopeKindNATION)
		for _, p := range n.provinces {
			add(NationalProvinceSupervisor(p.code), account.RoleSUPERVISOR, account.ScopeKindPROVINCE).SetScopeProvinceID(p.id)
		}
		return c.Account.CreateBulk(b...).Exec(ctx)
	})
}

// load copies every table and builds its indexes (taken off by deferSchema) and statistics, on two
// workers: the loads first, each table's indexes as soon as it is loaded, then its ANALYZE. The
// citizens' cases, their events and messages are one load on three connections.
func (n *nation) load(ctx context.Context, db *store.DB, d *deferredSchema) ([]TableRows, error) {
	var out []TableRows
	var mu sync.Mutex
	jobs := []struct {
		j    job
		deps []string
	}{
		{n.pledgesTable().job(), nil},
		{n.selfAssessmentsTable().job(), nil},
		{n.casesJob(), nil},
		{n.officialsJob(), nil},
		{n.acknowledgementsTable().job(), nil},
		{n.unitsTable().job(), nil},
		{n.inspectionsTable().job(), nil},
		{n.incidentsTable().job(), []string{"load cases"}}, // the cases' pass sets the incidents' case
		{n.registrationsTable().job(), nil},
		{n.commendationsTable().job(), nil},
	}
	var tasks []taskgraph.Task
	loadOf := map[string]string{}
	for _, jd := range jobs {
		j := jd.j
		name := "load " + j.tables[0].name
		for _, t := range j.tables {
			loadOf[t.name] = name
		}
		tasks = append(tasks, taskgraph.Task{Name: name, Deps: jd.deps, Run: func(ctx context.Context) error {
			start := time.Now()
			rows, err := copyJob(ctx, db.SQL, j)
			if err != nil {
				return err
			}
			el := time.Since(start)
			mu.Lock()
			defer mu.Unlock()
			for i, t := range j.tables {
				out = append(out, TableRows{Table: t.name, Rows: rows[i], Elapsed: el})
				n.log.Info("seed: table loaded", "table", t.name, "rows", rows[i], "elapsed", el.Round(time.Millisecond),
					"rows_per_s", int(float64(rows[i])/el.Seconds()))
			}
			return nil
		}})
	}
	indexes := slices.Clone(d.indexes)
	slices.SortStableFunc(indexes, func(a, b schemaObject) int { return cmp.Compare(tableRank(a.table), tableRank(b.table)) })
	indexTasks := map[string][]string{}
	for _, o := range indexes {
		name := "index " + o.name
		indexTasks[o.table] = append(indexTasks[o.table], name)
		tasks = append(tasks, taskgraph.Task{Name: name, Deps: []string{loadOf[o.table]}, Run: func(ctx context.Context) error {
			start := time.Now()
			err := maintenance(ctx, db.SQL, o.def)
			n.log.Debug("seed: index built", "index", o.name, "elapsed", time.Since(start).Round(time.Millisecond))
			return err
		}})
	}
	for _, t := range bulkTables {
		tasks = append(tasks, taskgraph.Task{Name: "analyze " + t, Deps: append([]string{loadOf[t]}, indexTasks[t]...),
			Run: func(ctx context.Context) error {
				_, err := db.SQL.ExecContext(ctx, "ANALYZE "+pq.QuoteIdentifier(t))
				return err
			}})
	}
	if err := taskgraph.Run(ctx, tasks, 2); err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b TableRows) int { return cmp.Compare(tableRank(a.Table), tableRank(b.Table)) })
	return out, nil
}
