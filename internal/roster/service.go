package roster

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	"github.com/riverqueue/river"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/rosterimport"
	"github.com/liemchinh/liemchinh/ent/upload"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/audit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/blob"
	"github.com/liemchinh/liemchinh/internal/jobs"
	"github.com/liemchinh/liemchinh/internal/namesearch"
	"github.com/liemchinh/liemchinh/internal/pid"
	"github.com/liemchinh/liemchinh/internal/progress"
	"github.com/liemchinh/liemchinh/internal/store"
)

// MaxFileBytes bounds a roster file (120,000 rows of CSV take about 12 MB).
const MaxFileBytes = 50 << 20

// MaxStoredIssues bounds the errors an import keeps (its error count holds them all).
const MaxStoredIssues = 10000

// Service queues and runs roster imports.
type Service struct {
	db          *store.DB
	blobs       blob.Store
	prog        *progress.Service
	now         func() time.Time
	log         *slog.Logger
	locks       sync.Map // scope id -> *sync.Mutex (SQLite: imports of one scope one at a time)
	wg          sync.WaitGroup
	river       *river.Client[*sql.Tx] // nil: imports run in goroutines of this process (UseQueue)
	rescueAfter time.Duration
}

// New returns the import service.
func New(db *store.DB, blobs blob.Store, prog *progress.Service, now func() time.Time, log *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, blobs: blobs, prog: prog, now: now, log: log}
}

// Wait waits for the imports running in goroutines of this process (without a queue: UseQueue).
func (s *Service) Wait() { s.wg.Wait() }

// Request is an import asked for.
type Request struct {
	UploadID    string
	Scope       authz.Scope
	Mode        Mode
	DryRun      bool
	EffectiveOn time.Time // zero: today
}

func (s *Service) checkRequest(ctx context.Context, c *ent.Client, r *Request) error {
	if r.Scope.Kind == authz.ScopeNation || r.Scope.ID == "" {
		return apperr.BadInput("Chọn một đơn vị, huyện hoặc tỉnh để nhập.", "Choose a unit, district or province to import.", "scope")
	}
	if err := authz.OrgEditor(ctx, c, r.Scope); err != nil {
		return err
	}
	if r.Mode != Merge && r.Mode != Full {
		return apperr.BadInput("Chế độ nhập không hợp lệ.", "Unknown mode.", "mode")
	}
	today := day(s.now())
	if r.EffectiveOn.IsZero() {
		r.EffectiveOn = today
	}
	r.EffectiveOn = day(r.EffectiveOn)
	if r.EffectiveOn.After(today) {
		return apperr.BadInput("Ngày nhập không được ở tương lai.", "The import's date cannot be in the future.", "effectiveOn")
	}
	return nil
}

// Queue records an import of an uploaded file (staff who may change the scope, with their own
// received roster upload) and, in the same transaction, the job that runs it (without a queue: it
// starts in the background once the caller's transaction commits).
func (s *Service) Queue(ctx context.Context, r Request) (*ent.RosterImport, error) {
	var out *ent.RosterImport
	err := store.InTx(ctx, s.db.Client, func(ctx context.Context, tx *ent.Client) error {
		if err := s.checkRequest(ctx, tx, &r); err != nil {
			return err
		}
		v := authz.FromContext(ctx)
		up, err := tx.Upload.Query().Where(upload.ID(r.UploadID), upload.PurposeEQ(upload.PurposeROSTER),
			upload.StatusEQ(upload.StatusRECEIVED), upload.Owner("citizen:"+v.AccountID)).Only(authz.System(ctx, authz.SysOrgChart))
		if ent.IsNotFound(err) {
			return apperr.New(apperr.NotFound, "Không tìm thấy tệp danh sách đã tải lên.", "No such received roster upload.").OnField("uploadId")
		} else if err != nil {
			return err
		}
		format, _ := FormatOf(up.ContentType)
		out, err = tx.RosterImport.Create().SetScopeKind(rosterimport.ScopeKind(r.Scope.Kind)).SetScopeID(r.Scope.ID).
			SetMode(rosterimport.Mode(r.Mode)).SetDryRun(r.DryRun).SetFormat(rosterimport.Format(format)).
			SetEffectiveOn(r.EffectiveOn).SetUploadID(up.ID).SetStorageKey(up.StorageKey).SetRequestedBy(v.AccountID).
			Save(authz.Grant(ctx, "rosterImport", ent.TypeRosterImport))
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{Action: "rosterImport", ObjectType: "RosterImport", ObjectID: out.ID,
			Summary: fmt.Sprintf("%s import of %s %s (dry run %v) queued", r.Mode, r.Scope.Kind, r.Scope.ID, r.DryRun)}); err != nil {
			return err
		}
		id := out.ID
		return jobs.Enqueue(ctx, s.river, ImportArgs{ImportID: id}, func() { s.start(id) })
	})
	return out, err
}

// start runs an import in the background.
func (s *Service) start(id string) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.Run(context.Background(), id); err != nil {
			s.log.Error("roster import", "import", id, "err", err)
		}
	}()
}

// Local imports a file read on this machine (the command line): kept in the blob store like an
// upload, recorded, then run at once.
func (s *Service) Local(ctx context.Context, r Request, format Format, data []byte) (*ent.RosterImport, error) {
	if r.Scope.Kind == authz.ScopeNation || r.Scope.ID == "" {
		return nil, apperr.BadInput("Chọn một đơn vị, huyện hoặc tỉnh để nhập.", "Choose a unit, district or province to import.", "scope")
	}
	if r.EffectiveOn.IsZero() {
		r.EffectiveOn = s.now()
	}
	r.EffectiveOn = day(r.EffectiveOn)
	sys := authz.System(ctx, authz.SysRosterImport)
	h := sha256.Sum256(data)
	key := "roster/local-" + hex.EncodeToString(h[:16]) + "-" + pid.New(pid.RosterImport)
	if _, err := s.blobs.Put(ctx, key, bytes.NewReader(data)); err != nil {
		return nil, err
	}
	ri, err := s.db.Client.RosterImport.Create().SetScopeKind(rosterimport.ScopeKind(r.Scope.Kind)).SetScopeID(r.Scope.ID).
		SetMode(rosterimport.Mode(r.Mode)).SetDryRun(r.DryRun).SetFormat(rosterimport.Format(format)).
		SetEffectiveOn(r.EffectiveOn).SetStorageKey(key).Save(sys)
	if err != nil {
		return nil, err
	}
	if err := s.Run(ctx, ri.ID); err != nil {
		return nil, err
	}
	return s.db.Client.RosterImport.Get(sys, ri.ID)
}

// Run runs an import to its end: reads the file (recording the rows checked as it goes), then,
// holding the scope's lock (a PostgreSQL advisory lock, or a mutex on SQLite) and in one
// transaction, plans it against the database and, unless it is a dry run or has errors, applies
// it with the counters and name keys following. Any failure leaves nothing changed but the
// import's own record.
func (s *Service) Run(ctx context.Context, id string) error { return s.run(ctx, id, 1, true) }

// run is one attempt at an import. An import already finished (its attempt committed, and its
// process stopped before the queue heard of it) is left as it is. A failed attempt leaves the
// import PENDING with a note when another attempt follows (not final, and not an error of the
// file), FAILED with the reason otherwise.
func (s *Service) run(ctx context.Context, id string, attempt int, final bool) error {
	ctx = authz.System(ctx, authz.SysRosterImport)
	// Its own state is written even when ctx ends (a shutdown): the import is handed back.
	bctx := context.WithoutCancel(ctx)
	c := s.db.Client
	ri, err := c.RosterImport.Get(ctx, id)
	if err != nil {
		return err
	}
	if ri.Status == rosterimport.StatusSUCCEEDED || ri.Status == rosterimport.StatusFAILED {
		return nil
	}
	started := s.now()
	// Only an import still open is taken: one the sweep or another attempt ended meanwhile stays ended.
	open := rosterimport.StatusIn(rosterimport.StatusPENDING, rosterimport.StatusRUNNING)
	if n, err := c.RosterImport.Update().Where(rosterimport.ID(id), open).SetStatus(rosterimport.StatusRUNNING).
		SetStartedAt(started).ClearFailure().Save(ctx); err != nil || n == 0 {
		return err
	}
	fail := func(cause error) error {
		var ae *apperr.Error
		isFile := errors.As(cause, &ae) // as the job's worker decides whether to retry
		if !final && !isFile {
			s.log.Warn("roster import attempt failed", "import", id, "attempt", attempt, "err", cause)
			if err := c.RosterImport.Update().Where(rosterimport.ID(id), open).SetStatus(rosterimport.StatusPENDING).
				SetFailure(retryNote(attempt, cause, ctx.Err())).Exec(bctx); err != nil {
				return errors.Join(cause, err)
			}
			return cause
		}
		s.log.Error("roster import failed", "import", id, "err", cause)
		msg := "Lỗi nội bộ; không có thay đổi nào. / Internal error; nothing was changed."
		if isFile {
			msg = ae.VI + " / " + ae.EN
		}
		if err := c.RosterImport.UpdateOneID(id).SetStatus(rosterimport.StatusFAILED).SetFailure(msg).
			SetFinishedAt(s.now()).Exec(bctx); err != nil {
			return errors.Join(cause, err)
		}
		return cause
	}
	f, err := s.blobs.Open(ctx, ri.StorageKey)
	if err != nil {
		return fail(err)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	_ = f.Close()
	if err != nil {
		return fail(err)
	}
	if len(data) > MaxFileBytes {
		return fail(apperr.New(apperr.BadUserInput, "Tệp quá lớn.", "The file is too large."))
	}
	lastReport := time.Now()
	report := func(n int) {
		if time.Since(lastReport) < 500*time.Millisecond {
			return
		}
		lastReport = time.Now()
		_ = c.RosterImport.UpdateOneID(id).SetRowsChecked(n).Exec(ctx)
	}
	rows, issues := Parse(Format(ri.Format), data, report)
	read := len(rows) + countRows(issues)
	_ = c.RosterImport.UpdateOneID(id).SetRowsRead(read).SetRowsChecked(read).Exec(ctx)
	if err := ctx.Err(); err != nil {
		return fail(err)
	}

	scope := authz.Scope{Kind: authz.ScopeKind(ri.ScopeKind), ID: ri.ScopeID}
	if s.db.Dialect != dialect.Postgres {
		mu, _ := s.locks.LoadOrStore(scope.ID, &sync.Mutex{})
		mu.(*sync.Mutex).Lock()
		defer mu.(*sync.Mutex).Unlock()
	}
	tx, err := c.Tx(ctx)
	if err != nil {
		return fail(err)
	}
	tctx := ent.NewTxContext(ent.NewContext(ctx, tx.Client()), tx)
	stmts := 0
	d := db{q: tx.Client(), dialect: s.db.Dialect, stmts: &stmts}
	if d.tx, err = store.SQLTx(tctx); err != nil {
		_ = tx.Rollback()
		return fail(err)
	}
	if s.db.Dialect == dialect.Postgres {
		// Imports of one scope, in any process, one at a time.
		if err := d.exec(tctx, "SELECT pg_advisory_xact_lock(7318013, hashtext(?))", scope.ID); err != nil {
			_ = tx.Rollback()
			return fail(err)
		}
	}
	plan, err := makePlan(tctx, d, scope, Mode(ri.Mode), ri.EffectiveOn, rows, read, issues, nil)
	if err != nil {
		_ = tx.Rollback()
		return fail(err)
	}
	stored := plan.Issues
	if len(stored) > MaxStoredIssues {
		stored = stored[:MaxStoredIssues]
	}
	errs, err := json.Marshal(stored)
	if err != nil {
		_ = tx.Rollback()
		return fail(err)
	}
	status := rosterimport.StatusSUCCEEDED
	if len(plan.Issues) > 0 && !ri.DryRun {
		status = rosterimport.StatusFAILED
	}
	finish := func(ctx context.Context, c *ent.Client) error {
		up := c.RosterImport.UpdateOneID(id).SetStatus(status).SetRowsRead(plan.Read).SetRowsChecked(plan.Read).
			SetToCreate(plan.Create).SetToUpdate(plan.Update).SetToTransfer(plan.Transfer).SetToEnd(plan.End).
			SetUnchanged(plan.Unchanged).SetErrorCount(len(plan.Issues)).SetErrors(errs).SetFinishedAt(s.now())
		if status == rosterimport.StatusFAILED {
			up.SetFailure("Tệp có lỗi: không thay đổi gì. / The file has errors: nothing was changed.")
		}
		return up.Exec(ctx)
	}
	if ri.DryRun || len(plan.Issues) > 0 {
		if err := tx.Rollback(); err != nil {
			return fail(err)
		}
		return finish(bctx, c)
	}
	created, changed := plan.assignIDs()
	phase := time.Now()
	took := func(name string) {
		s.log.Info("roster import phase", "import", id, "phase", name, "ms", time.Since(phase).Milliseconds())
		phase = time.Now()
	}
	took("read and plan")
	err = func() error {
		if err := s.prog.TrackOfficials(tctx, plan.counted()); err != nil {
			return err
		}
		if err := s.prog.TrackNew(tctx, created); err != nil {
			return err
		}
		took("counters: before")
		before := stmts
		if err := plan.apply(tctx, d, created, s.now()); err != nil {
			return err
		}
		s.log.Info("roster import write", "import", id, "statements", stmts-before, "created", plan.Create, "changed", len(plan.changes), "ended", len(plan.fullEnds))
		took("write")
		if err := namesearch.Refresh(tctx, d.tx, s.db.Dialect, changed); err != nil {
			return err
		}
		if err := namesearch.Add(tctx, d.tx, s.db.Dialect, created); err != nil {
			return err
		}
		took("name keys")
		if err := audit.Record(tctx, tx.Client(), audit.Entry{Action: "rosterImportApply", ObjectType: "RosterImport", ObjectID: id,
			ActorID: ri.RequestedBy, Summary: fmt.Sprintf("%s %s: %d created, %d updated, %d transferred, %d ended, %d unchanged",
				ri.ScopeKind, ri.ScopeID, plan.Create, plan.Update, plan.Transfer, plan.End, plan.Unchanged)}); err != nil {
			return err
		}
		return finish(tctx, tx.Client())
	}()
	if err != nil {
		_ = tx.Rollback()
		return fail(err)
	}
	if err := tx.Commit(); err != nil {
		return fail(err)
	}
	took("counters: after, and commit")
	return nil
}

// countRows counts the distinct rows issues were found on (rows Parse dropped).
func countRows(is []Issue) int {
	seen := map[int]bool{}
	for _, i := range is {
		if i.Row > 1 {
			seen[i.Row] = true
		}
	}
	return len(seen)
}

// Issues are an import's stored errors.
func Issues(ri *ent.RosterImport) []Issue {
	var out []Issue
	_ = json.Unmarshal(ri.Errors, &out)
	return out
}
