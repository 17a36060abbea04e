package auth

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/liemchinh/liemchinh/ent/accountprovisioning"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/jobs"
)

type riverClient = river.Client[*sql.Tx]

// provisioning is how runs are worked (UseProvisioning).
type provisioning struct {
	dialect     string
	river       *riverClient // nil: runs work in goroutines of this process
	rescueAfter time.Duration
	wg          sync.WaitGroup
}

// ProvisionQueue is the job queue's queue provisioning runs work on (their own, so that a long
// run holds up neither the notifications nor the code deliveries it enqueues).
const ProvisionQueue = "provision"

// ProvisionAttempts is how many times a run is tried: an interrupted attempt keeps the batches it
// committed, and the next resumes after them.
const ProvisionAttempts = 5

// ProvisionJobTimeout bounds one attempt (120,000 accounts take about a minute); an attempt cut
// short keeps its batches, and the next resumes after them.
const ProvisionJobTimeout = 15 * time.Minute

// ProvisionArgs is the job working one run.
type ProvisionArgs struct {
	ProvisioningID string `json:"provisioning_id"`
}

// Kind is River's name of the job.
func (ProvisionArgs) Kind() string { return "account_provisioning" }

// InsertOpts: the provisioning queue, a few attempts, one job per run.
func (ProvisionArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: ProvisionQueue, MaxAttempts: ProvisionAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

type provisionWorker struct {
	river.WorkerDefaults[ProvisionArgs]
	s *Service
}

// Timeout is ProvisionJobTimeout, cut short of the queue's JOBS_RESCUE_AFTER when that is
// shorter: an attempt still running when River takes the job for abandoned would run beside its
// retry.
func (w *provisionWorker) Timeout(*river.Job[ProvisionArgs]) time.Duration {
	return jobs.AttemptTimeout(w.s.prov.rescueAfter, ProvisionJobTimeout)
}

func (w *provisionWorker) Work(ctx context.Context, job *river.Job[ProvisionArgs]) error {
	err := w.s.runProvisioning(ctx, job.Args.ProvisioningID, job.Attempt, job.Attempt >= job.MaxAttempts)
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return river.JobCancel(err) // the request, not the attempt: trying again would change nothing
	}
	return err
}

// provisionSweepArgs is the periodic job that ends the runs whose job is gone.
type provisionSweepArgs struct{}

func (provisionSweepArgs) Kind() string { return "account_provisioning_sweep" }

func (provisionSweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: ProvisionQueue, UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
}

type provisionSweepWorker struct {
	river.WorkerDefaults[provisionSweepArgs]
	s *Service
}

func (w *provisionSweepWorker) Work(ctx context.Context, _ *river.Job[provisionSweepArgs]) error {
	_, err := w.s.SweepProvisioning(ctx)
	return err
}

// ProvisionJobs are the workers of provisioning runs and their periodic sweep, for the job queue
// (notify.Options.Jobs).
func (s *Service) ProvisionJobs() (add func(*river.Workers), periodic []*river.PeriodicJob) {
	add = func(ws *river.Workers) {
		river.AddWorker(ws, &provisionWorker{s: s})
		river.AddWorker(ws, &provisionSweepWorker{s: s})
	}
	periodic = []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(5*time.Minute),
		func() (river.JobArgs, *river.InsertOpts) { return provisionSweepArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true, ID: "account_provisioning_sweep"})}
	return add, periodic
}

// ProvisionLocalStale is how long a run from the command line (worked in its process, not as a
// job) may go without progress before the sweep takes its process for dead.
const ProvisionLocalStale = 30 * time.Minute

// SweepProvisioning marks FAILED the runs still queued or running whose job is no longer in the
// queue, or is its last attempt left running by a process that died (the queue discards it), and
// those from the command line whose process has made no progress for ProvisionLocalStale. The
// accounts their batches made stay. It returns how many it ended.
func (s *Service) SweepProvisioning(ctx context.Context) (int, error) {
	if s.prov.river == nil {
		return 0, nil
	}
	ctx = authz.System(ctx, authz.SysProvisionRun)
	open, err := s.client.AccountProvisioning.Query().Where(accountprovisioning.StatusIn(accountprovisioning.StatusQUEUED,
		accountprovisioning.StatusRUNNING)).All(ctx)
	if err != nil || len(open) == 0 {
		return 0, err
	}
	alive, err := jobs.Live(ctx, s.prov.river, s.prov.rescueAfter, func(a ProvisionArgs) string { return a.ProvisioningID })
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range open {
		if alive[r.ID] {
			continue
		}
		if r.RequestedBy == "" && s.now().Sub(r.UpdatedAt) < ProvisionLocalStale { // the command line's
			continue
		}
		m, err := s.client.AccountProvisioning.Update().Where(accountprovisioning.ID(r.ID),
			accountprovisioning.StatusIn(accountprovisioning.StatusQUEUED, accountprovisioning.StatusRUNNING)).
			SetStatus(accountprovisioning.StatusFAILED).SetFailure(errRunAbandoned.VI + " / " + errRunAbandoned.EN).
			SetFinishedAt(s.now()).Save(ctx)
		if err != nil {
			return n, err
		}
		if m > 0 {
			s.log.Warn("account provisioning abandoned", "provisioning", r.ID)
			n += m
		}
	}
	return n, nil
}
