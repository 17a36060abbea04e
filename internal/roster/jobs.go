package roster

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/liemchinh/liemchinh/ent/rosterimport"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/jobs"
)

// Queue is the job queue's queue imports run on (their own, so that a long import never holds up
// the notifications).
const Queue = "roster"

// Attempts is how many times an import is tried: an attempt interrupted (its process stopped or
// died, the database failed) wrote nothing, and is tried again.
const Attempts = 3

// JobTimeout bounds one attempt (120,000 rows take under 2 minutes).
const JobTimeout = 15 * time.Minute

// ImportArgs is the job running one import.
type ImportArgs struct {
	ImportID string `json:"import_id"`
}

// Kind is River's name of the job.
func (ImportArgs) Kind() string { return "roster_import" }

// InsertOpts: the imports' queue, a few attempts, one job per import.
func (ImportArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: Attempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

type importWorker struct {
	river.WorkerDefaults[ImportArgs]
	s *Service
}

// Timeout is JobTimeout, cut short of the queue's JOBS_RESCUE_AFTER when that is shorter: an
// attempt still running when River takes the job for abandoned would run beside its retry.
func (w *importWorker) Timeout(*river.Job[ImportArgs]) time.Duration {
	return jobs.AttemptTimeout(w.s.rescueAfter, JobTimeout)
}

func (w *importWorker) Work(ctx context.Context, job *river.Job[ImportArgs]) error {
	err := w.s.run(ctx, job.Args.ImportID, job.Attempt, job.Attempt >= job.MaxAttempts)
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return river.JobCancel(err) // the file, not the attempt: trying again would change nothing
	}
	return err
}

// sweepArgs is the periodic job that ends the imports whose job is gone.
type sweepArgs struct{}

func (sweepArgs) Kind() string { return "roster_sweep" }

func (sweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
}

type sweepWorker struct {
	river.WorkerDefaults[sweepArgs]
	s *Service
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[sweepArgs]) error {
	_, err := w.s.Sweep(ctx)
	return err
}

// Jobs are the workers of imports and their periodic sweep, for the job queue (notify.Options.Jobs).
func (s *Service) Jobs() (add func(*river.Workers), periodic []*river.PeriodicJob) {
	add = func(ws *river.Workers) {
		river.AddWorker(ws, &importWorker{s: s})
		river.AddWorker(ws, &sweepWorker{s: s})
	}
	periodic = []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(5*time.Minute),
		func() (river.JobArgs, *river.InsertOpts) { return sweepArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true, ID: "roster_sweep"})}
	return add, periodic
}

// UseQueue makes imports run as jobs of the queue (durable: an import survives a restart of its
// process, and a shutdown hands a running one back to the queue). rescueAfter is the queue's
// JOBS_RESCUE_AFTER: a job running longer was left by a dead process.
func (s *Service) UseQueue(rc *river.Client[*sql.Tx], rescueAfter time.Duration) {
	s.river, s.rescueAfter = rc, rescueAfter
}

// LocalStale is how long an import from the command line (run in its process, not as a job) may
// stay running before the sweep takes its process for dead.
const LocalStale = 30 * time.Minute

var errAbandoned = apperr.New(apperr.Unavailable,
	"Việc nhập bị gián đoạn và không thể tiếp tục; không có thay đổi nào. Hãy nhập lại.",
	"The import was interrupted and could not be resumed; nothing was changed. Run it again.")

// Sweep marks FAILED the imports still pending or running whose job is no longer in the queue, or
// is its last attempt left running by a process that died (the queue discards it), and those from the command line whose
// process has stopped answering for LocalStale. It returns how many it ended.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	if s.river == nil {
		return 0, nil
	}
	ctx = authz.System(ctx, authz.SysRosterImport)
	open, err := s.db.Client.RosterImport.Query().Where(rosterimport.StatusIn(rosterimport.StatusPENDING, rosterimport.StatusRUNNING)).All(ctx)
	if err != nil || len(open) == 0 {
		return 0, err
	}
	alive, err := jobs.Live(ctx, s.river, s.rescueAfter, func(a ImportArgs) string { return a.ImportID })
	if err != nil {
		return 0, err
	}
	n := 0
	for _, ri := range open {
		if alive[ri.ID] {
			continue
		}
		if ri.RequestedBy == "" && ri.UploadID == "" { // the command line's
			last := ri.UpdatedAt
			if last.IsZero() || s.now().Sub(last) < LocalStale {
				continue
			}
		}
		m, err := s.db.Client.RosterImport.Update().Where(rosterimport.ID(ri.ID),
			rosterimport.StatusIn(rosterimport.StatusPENDING, rosterimport.StatusRUNNING)).
			SetStatus(rosterimport.StatusFAILED).SetFailure(errAbandoned.VI + " / " + errAbandoned.EN).SetFinishedAt(s.now()).Save(ctx)
		if err != nil {
			return n, err
		}
		if m > 0 {
			s.log.Warn("roster import abandoned", "import", ri.ID)
			n += m
		}
	}
	return n, nil
}

// retryNote is what a pending import says after an attempt that did not finish: interrupted when
// the attempt's context ended (ended), whatever the database answered to the cancelled statement
// (lib/pq may return PostgreSQL's "canceling statement due to user request" rather than ctx's error).
func retryNote(attempt int, cause, ended error) string {
	if ended != nil || errors.Is(cause, context.Canceled) || errors.Is(cause, context.DeadlineExceeded) {
		return fmt.Sprintf("Lần %d bị gián đoạn (máy chủ dừng); sẽ chạy lại, chưa có thay đổi nào. / "+
			"Attempt %d was interrupted (the server stopped); it will run again, nothing was changed.", attempt, attempt)
	}
	return fmt.Sprintf("Lần %d không hoàn thành; sẽ chạy lại, chưa có thay đổi nào. / "+
		"Attempt %d did not finish; it will run again, nothing was changed.", attempt, attempt)
}
