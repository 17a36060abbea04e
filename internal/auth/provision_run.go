package auth

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/accountprovisioning"
	"github.com/liemchinh/liemchinh/ent/district"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/audit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/jobs"
	"github.com/liemchinh/liemchinh/internal/store"
)

// A provisioning run (AccountProvisioning, DESIGN.md §11) is recorded by accountsProvision with
// its job in one transaction, and worked in the background (provision_jobs.go) in batches of whole
// units of at most ProvisionBatch officials (a larger unit is a batch of its own). Each batch is
// one transaction (provisionUnits): its accounts, codes, one sheet per unit, the delivery jobs of
// its codes, and the run's progress, with the run's cursor (the last unit done, units being
// worked in the order of their ids). An interrupted attempt loses at most its open batch; the next
// resumes after the cursor and picks only officials still without an account, so no account nor
// code is issued twice. Runs of overlapping scopes never interleave: a run is refused while
// another of an overlapping scope is QUEUED or RUNNING, and every request and batch of a province
// holds the province's lock (a PostgreSQL advisory lock; SQLite's transactions write one at a
// time).

// ProvisionBatch is the most officials one batch of a run takes, units never being split.
const ProvisionBatch = 2000

// provisionLock is the first key of the provinces' advisory locks (the second: the province's id).
const provisionLock = 7318014

var errRunOverlaps = apperr.New(apperr.Conflict,
	"Đang có một đợt cấp tài khoản chờ chạy hoặc đang chạy cho phạm vi này hoặc một phạm vi chồng lấn; hãy đợi đợt đó kết thúc.",
	"A provisioning run is already queued or running for this scope or an overlapping one; wait for it to finish.").OnField("scope")

var errRunStopped = errors.New("auth: the provisioning run is no longer running")

var errRunAbandoned = apperr.New(apperr.Unavailable,
	"Việc cấp tài khoản bị gián đoạn và không thể tiếp tục; các tài khoản đã tạo được giữ nguyên. Hãy chạy lại để cấp cho những người còn lại.",
	"Provisioning was interrupted and could not resume; the accounts already created are kept. Run it again for the others.")

// UseProvisioning tells provisioning the database's dialect (PostgreSQL locks a province's runs
// with an advisory lock) and, with rc, makes runs jobs of the queue (durable: a run survives a
// restart of its process). rescueAfter is the queue's JOBS_RESCUE_AFTER. Without rc, a run
// starts in a goroutine of this process once its request commits.
func (s *Service) UseProvisioning(dia string, rc *riverClient, rescueAfter time.Duration) {
	s.prov.dialect, s.prov.river, s.prov.rescueAfter = dia, rc, rescueAfter
}

// WaitProvisioning waits for the runs working in goroutines of this process (without a queue).
func (s *Service) WaitProvisioning() { s.prov.wg.Wait() }

// Provision records a provisioning run of target (supervisors and administrators whose scope
// holds it) and, in the same transaction, the job that works it; it refuses a run while another
// of an overlapping scope is queued or running. With send, each code also goes to the official's
// registered phone or e-mail. Audited.
func (s *Service) Provision(ctx context.Context, target authz.Scope, send bool) (*ent.AccountProvisioning, error) {
	var out *ent.AccountProvisioning
	err := store.InTx(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		if err := authz.MayProvision(ctx, tx, target); err != nil {
			return err
		}
		var err error
		if out, err = s.recordRun(ctx, tx, target, send, authz.FromContext(ctx).AccountID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{Action: "accountsProvision", ObjectType: "AccountProvisioning", ObjectID: out.ID,
			Summary: fmt.Sprintf("provisioning of %s %s queued (send %v)", target.Kind, target.ID, send)}); err != nil {
			return err
		}
		id := out.ID
		return jobs.Enqueue(ctx, s.prov.river, ProvisionArgs{ProvisioningID: id}, func() { s.startRun(id) })
	})
	return out, err
}

// startRun works a run in the background of this process.
func (s *Service) startRun(id string) {
	s.prov.wg.Add(1)
	go func() {
		defer s.prov.wg.Done()
		if err := s.RunProvisioning(context.Background(), id); err != nil {
			s.log.Error("account provisioning", "provisioning", id, "error", err.Error())
		}
	}()
}

// ProvisionLocal records a run of target for the command line (no viewer: the operator of the
// machine) and works it at once, in this process; an open command-line run of the same scope (its
// process stopped) is resumed instead. It returns the run as it ended.
func (s *Service) ProvisionLocal(ctx context.Context, target authz.Scope, send bool) (*ent.AccountProvisioning, error) {
	if target.Kind == authz.ScopeNation || target.ID == "" {
		return nil, apperr.BadInput("Hãy cấp tài khoản theo từng tỉnh, huyện hoặc đơn vị.", "Provision one province, district or unit at a time.", "scope")
	}
	sys := authz.System(ctx, authz.SysProvisionRun)
	// A run of the same scope from the command line still open: its process was stopped; this
	// one takes it over and resumes it (were both alive, their batches would still take the
	// province's lock in turn and skip what the other did).
	run, err := s.client.AccountProvisioning.Query().Where(accountprovisioning.RequestedBy(""),
		accountprovisioning.ScopeKindEQ(accountprovisioning.ScopeKind(target.Kind)), accountprovisioning.ScopeID(target.ID),
		accountprovisioning.StatusIn(accountprovisioning.StatusQUEUED, accountprovisioning.StatusRUNNING)).First(sys)
	if ent.IsNotFound(err) {
		err = store.InTx(sys, s.client, func(ctx context.Context, tx *ent.Client) error {
			var err error
			run, err = s.recordRun(ctx, tx, target, send, "")
			return err
		})
	} else if err == nil {
		s.log.Info("resuming the interrupted provisioning run", "provisioning", run.ID, "units_done", run.UnitsDone, "created", run.Created)
	}
	if err != nil {
		return nil, err
	}
	if err := s.RunProvisioning(ctx, run.ID); err != nil {
		return nil, err
	}
	return s.client.AccountProvisioning.Get(sys, run.ID)
}

// place is where a scope sits: its province, its district (a unit's, if any), and for a unit its
// id and those of the units above it.
type place struct {
	province, district string
	units              []string // a unit's scope: the unit, then its parent, and so on up
}

func placeOf(ctx context.Context, tx *ent.Client, sc authz.Scope) (place, error) {
	switch sc.Kind {
	case authz.ScopeProvince:
		if _, err := tx.Province.Get(ctx, sc.ID); err != nil {
			return place{}, notFoundScope(err)
		}
		return place{province: sc.ID}, nil
	case authz.ScopeDistrict:
		p, err := tx.Province.Query().Where(province.HasDistrictsWith(district.ID(sc.ID))).OnlyID(ctx)
		if err != nil {
			return place{}, notFoundScope(err)
		}
		return place{province: p, district: sc.ID}, nil
	case authz.ScopeUnit:
		var pl place
		for id := sc.ID; id != "" && len(pl.units) < 64; {
			u, err := tx.Unit.Query().Where(unit.ID(id)).Select(unit.FieldID, unit.FieldProvinceID, unit.FieldDistrictID, unit.FieldParentID).Only(ctx)
			if err != nil {
				return place{}, notFoundScope(err)
			}
			if len(pl.units) == 0 {
				pl.province = u.ProvinceID
				if u.DistrictID != nil {
					pl.district = *u.DistrictID
				}
			}
			pl.units = append(pl.units, u.ID)
			id = ""
			if u.ParentID != nil {
				id = *u.ParentID
			}
		}
		return pl, nil
	}
	return place{}, apperr.BadInput("Hãy cấp tài khoản theo từng tỉnh, huyện hoặc đơn vị.", "Provision one province, district or unit at a time.", "scope")
}

func notFoundScope(err error) error {
	if ent.IsNotFound(err) {
		return apperr.New(apperr.NotFound, "Không tìm thấy phạm vi.", "No such scope.").OnField("scope")
	}
	return err
}

// overlaps reports whether the scopes of a new run (kind, id, at pl) and of run r hold an official
// in common: one holds the other.
func overlaps(ctx context.Context, tx *ent.Client, kind authz.ScopeKind, id string, pl place, r *ent.AccountProvisioning) (bool, error) {
	rk := authz.ScopeKind(r.ScopeKind)
	switch {
	case kind == authz.ScopeProvince || rk == authz.ScopeProvince: // runs of one province only are compared
		return true, nil
	case kind == authz.ScopeDistrict && rk == authz.ScopeDistrict:
		return id == r.ScopeID, nil
	case kind == authz.ScopeDistrict: // r: a unit
		return r.DistrictID == id, nil
	case rk == authz.ScopeDistrict: // the new run: a unit
		return pl.district == r.ScopeID, nil
	}
	for _, u := range pl.units { // r's unit is the new one or above it
		if u == r.UnitID {
			return true, nil
		}
	}
	rp, err := placeOf(ctx, tx, authz.Scope{Kind: authz.ScopeUnit, ID: r.UnitID}) // or below it
	if err != nil {
		return false, err
	}
	for _, u := range rp.units {
		if u == id {
			return true, nil
		}
	}
	return false, nil
}

// recordRun records a QUEUED run of target, holding its province's lock, unless a run of an
// overlapping scope is queued or running.
func (s *Service) recordRun(ctx context.Context, tx *ent.Client, target authz.Scope, send bool, by string) (*ent.AccountProvisioning, error) {
	sys := authz.System(ctx, authz.SysProvisionRun)
	pl, err := placeOf(sys, tx, target)
	if err != nil {
		return nil, err
	}
	if err := s.lockProvince(sys, tx, pl.province); err != nil {
		return nil, err
	}
	open, err := tx.AccountProvisioning.Query().Where(accountprovisioning.ProvinceID(pl.province),
		accountprovisioning.StatusIn(accountprovisioning.StatusQUEUED, accountprovisioning.StatusRUNNING)).All(sys)
	if err != nil {
		return nil, err
	}
	for _, r := range open {
		ov, err := overlaps(sys, tx, target.Kind, target.ID, pl, r)
		if err != nil {
			return nil, err
		}
		if ov {
			return nil, errRunOverlaps
		}
	}
	c := tx.AccountProvisioning.Create().SetScopeKind(accountprovisioning.ScopeKind(target.Kind)).SetScopeID(target.ID).
		SetProvinceID(pl.province).SetDistrictID(pl.district).SetSend(send).SetRequestedBy(by)
	if target.Kind == authz.ScopeUnit {
		c.SetUnitID(target.ID)
	}
	return c.Save(sys)
}

// lockProvince takes the province's provisioning lock until the transaction ends (PostgreSQL; on
// SQLite every writing transaction already holds the database).
func (s *Service) lockProvince(ctx context.Context, tx *ent.Client, provinceID string) error {
	if s.prov.dialect != dialect.Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1, hashtext($2))", provisionLock, provinceID)
	return err
}

// RunProvisioning works a run to its end (the command line, and runs without a queue).
func (s *Service) RunProvisioning(ctx context.Context, id string) error {
	return s.runProvisioning(ctx, id, 1, true)
}

// runProvisioning is one attempt at a run: it finds the units after the run's cursor with
// officials to provision and works them a batch at a time. A run already ended is left as it is.
// A failed attempt leaves the run QUEUED with a note when another attempt follows (not final),
// FAILED with the reason otherwise; the batches committed stay.
func (s *Service) runProvisioning(ctx context.Context, id string, attempt int, final bool) error {
	ctx = authz.System(ctx, authz.SysProvisionRun)
	bctx := context.WithoutCancel(ctx) // the run's own state is written even when ctx ends (a shutdown)
	c := s.client
	run, err := c.AccountProvisioning.Get(ctx, id)
	if err != nil {
		return err
	}
	if run.Status == accountprovisioning.StatusDONE || run.Status == accountprovisioning.StatusFAILED {
		return nil
	}
	// Only a run still open is taken: one the sweep or another attempt ended meanwhile stays ended.
	open := accountprovisioning.StatusIn(accountprovisioning.StatusQUEUED, accountprovisioning.StatusRUNNING)
	up := c.AccountProvisioning.Update().Where(accountprovisioning.ID(id), open).
		SetStatus(accountprovisioning.StatusRUNNING).ClearFailure()
	if run.StartedAt == nil {
		up.SetStartedAt(s.now())
	}
	if n, err := up.Save(ctx); err != nil || n == 0 {
		return err
	}
	if run, err = c.AccountProvisioning.Get(ctx, id); err != nil {
		return err
	}
	fail := func(cause error) error {
		var ae *apperr.Error
		isUser := errors.As(cause, &ae)
		if errors.Is(cause, errRunStopped) {
			return nil // ended elsewhere (swept): nothing to add
		}
		if !final && !isUser {
			s.log.Warn("account provisioning attempt failed", "provisioning", id, "attempt", attempt, "error", cause.Error())
			if err := c.AccountProvisioning.Update().Where(accountprovisioning.ID(id), open).SetStatus(accountprovisioning.StatusQUEUED).
				SetFailure(provisionRetryNote(attempt, cause)).Exec(bctx); err != nil {
				return errors.Join(cause, err)
			}
			return cause
		}
		s.log.Error("account provisioning failed", "provisioning", id, "error", cause.Error())
		msg := errRunAbandoned.VI + " / " + errRunAbandoned.EN
		if isUser {
			msg = ae.VI + " / " + ae.EN
		}
		if err := c.AccountProvisioning.UpdateOneID(id).SetStatus(accountprovisioning.StatusFAILED).SetFailure(msg).
			SetFinishedAt(s.now()).Exec(bctx); err != nil {
			return errors.Join(cause, err)
		}
		return cause
	}
	target := authz.Scope{Kind: authz.ScopeKind(run.ScopeKind), ID: run.ScopeID}
	units, counts, err := s.unitsToProvision(ctx, target, run.Cursor)
	if err != nil {
		return fail(err)
	}
	left := 0
	for _, n := range counts {
		left += n
	}
	if run, err = c.AccountProvisioning.UpdateOneID(id).SetUnits(run.UnitsDone + len(units)).
		SetOfficials(run.Created + run.Skipped + left).Save(ctx); err != nil {
		return fail(err)
	}
	for from := 0; from < len(units); {
		to, n := from, 0
		for to < len(units) && (to == from || n+counts[to] <= ProvisionBatch) {
			n += counts[to]
			to++
		}
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		msgs, err := s.provisionUnits(ctx, run, units[from:to])
		if err != nil {
			return fail(err)
		}
		s.deliver(ctx, msgs)
		from = to
	}
	err = store.InTx(ctx, c, func(ctx context.Context, tx *ent.Client) error {
		done, err := tx.AccountProvisioning.UpdateOneID(id).Where(accountprovisioning.StatusEQ(accountprovisioning.StatusRUNNING)).
			SetStatus(accountprovisioning.StatusDONE).SetFinishedAt(s.now()).Save(ctx)
		if ent.IsNotFound(err) {
			return errRunStopped
		} else if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "accountsProvisionDone", ObjectType: "AccountProvisioning", ObjectID: id,
			ActorID: run.RequestedBy, Summary: fmt.Sprintf("%s %s: %d accounts, %d sheets, %d codes sent, %d skipped (login taken)",
				run.ScopeKind, run.ScopeID, done.Created, done.SheetCount, done.Sent, done.Skipped)})
	})
	if err != nil {
		return fail(err)
	}
	return nil
}

// unitsToProvision returns the units of target after cursor (in the byte order of their ids) with
// officials in service without an account, and how many each has.
func (s *Service) unitsToProvision(ctx context.Context, target authz.Scope, cursor string) ([]string, []int, error) {
	today := s.now().Truncate(24 * time.Hour)
	q := s.client.Official.Query().Where(authz.UnitsOf(target, official.UnitColumn), official.Not(official.HasAccount()),
		official.Or(official.ActiveToIsNil(), official.ActiveToGTE(today)))
	if cursor != "" {
		collate := ""
		if s.prov.dialect == dialect.Postgres {
			collate = ` COLLATE "C"` // the byte order the units are worked in
		}
		q.Where(func(sel *sql.Selector) {
			sel.Where(sql.P(func(b *sql.Builder) {
				b.WriteString(sel.C(official.FieldUnitID)).WriteString(collate).WriteString(" > ").Arg(cursor)
			}))
		})
	}
	var rows []struct {
		Unit  string `json:"unit_officials"`
		Count int    `json:"count"`
	}
	if err := q.GroupBy(official.FieldUnitID).Aggregate(ent.Count()).Scan(ctx, &rows); err != nil {
		return nil, nil, err
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Unit < rows[j].Unit })
	units, counts := make([]string, len(rows)), make([]int, len(rows))
	for i, r := range rows {
		units[i], counts[i] = r.Unit, r.Count
	}
	return units, counts, nil
}

// provisionRetryNote is what a queued run says after an attempt that did not finish.
func provisionRetryNote(attempt int, cause error) string {
	if errors.Is(cause, context.Canceled) || errors.Is(cause, context.DeadlineExceeded) {
		return fmt.Sprintf("Lần %d bị gián đoạn (máy chủ dừng); sẽ tiếp tục từ chỗ dừng, các tài khoản đã tạo được giữ nguyên. / "+
			"Attempt %d was interrupted (the server stopped); it will resume where it stopped, the accounts already created are kept.", attempt, attempt)
	}
	return fmt.Sprintf("Lần %d không hoàn thành; sẽ tiếp tục từ chỗ dừng, các tài khoản đã tạo được giữ nguyên. / "+
		"Attempt %d did not finish; it will resume where it stopped, the accounts already created are kept.", attempt, attempt)
}
