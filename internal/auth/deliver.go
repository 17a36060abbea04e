package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/activationcode"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/delivery"
	"github.com/liemchinh/liemchinh/internal/store"
)

// Codes sent to a phone or an e-mail address travel as jobs of the job queue (package notify's
// River client), each enqueued in the transaction that issues its code: a code rolled back sends
// nothing, a code committed is sent, retried with River's backoff until it is sent, spent or
// expired. The job carries only the code's id. The code itself is derived from that id with a key
// of the server (HMAC-SHA256 under a key derived from REPORTER_KEY, drawn into the code alphabet),
// so the sender recomputes it and checks it against the stored keyed hash: no plaintext nor
// sealed code is ever written to the queue, and a database reader without the key learns nothing.

// DeliveryQueue is the queue code deliveries run on.
const DeliveryQueue = "delivery"

// deliveryAttempts: River's backoff (attempt^4 s) over 25 attempts spans about 3 weeks, longer
// than an activation code lives (14 days by default; a reset code 30 minutes): a code is retried
// until it is sent, spent or expired, and an attempt that finds it spent or expired stops.
const deliveryAttempts = 25

// DeliverArgs is the job sending one code.
type DeliverArgs struct {
	CodeID string `json:"code_id"`
}

// Kind is River's name of the job.
func (DeliverArgs) Kind() string { return "code_delivery" }

// InsertOpts: the delivery queue; one job per code (the dedupe key is the code's id).
func (DeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: DeliveryQueue, MaxAttempts: deliveryAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

type deliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	s *Service
}

func (w *deliverWorker) Timeout(*river.Job[DeliverArgs]) time.Duration { return time.Minute }

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	err := w.s.deliverCode(ctx, job.Args.CodeID)
	if errors.Is(err, errUndeliverable) {
		w.s.log.Warn("code not delivered: it cannot be sent", "code_id", job.Args.CodeID, "error", err.Error())
		return river.JobCancel(err)
	}
	if err != nil && job.Attempt >= job.MaxAttempts {
		w.s.log.Error("code not delivered after its last attempt: issue a new one", "code_id", job.Args.CodeID,
			"attempts", job.Attempt, "error", err.Error())
	}
	return err
}

// DeliveryJobs registers the delivery worker with the job queue (notify.Options.Jobs).
func (s *Service) DeliveryJobs(ws *river.Workers) { river.AddWorker(ws, &deliverWorker{s: s}) }

// UseQueue makes code deliveries jobs of the queue rc (without it they are sent after the commit,
// in the background of this process: the command line, the benchmarks).
func (s *Service) UseQueue(rc *river.Client[*sql.Tx]) { s.queue = rc }

var errUndeliverable = errors.New("auth: the code cannot be delivered")

// derivedCode is the code of the activation code id: the bytes of HMAC-SHA256(key, id || 0 ||
// counter), counter 0, 1, ... as each block is used up, drawn into a code as a random code is
// (codeOf).
func (s *Service) derivedCode(id string) string {
	var block []byte
	ctr := byte(0)
	return codeOf(func() byte {
		if len(block) == 0 {
			m := hmac.New(sha256.New, s.keys.deliver)
			m.Write([]byte(id))
			m.Write([]byte{0, ctr})
			block, ctr = m.Sum(nil), ctr+1
		}
		c := block[0]
		block = block[1:]
		return c
	})
}

// enqueueDeliveries adds the jobs sending the codes ids, in the transaction ctx carries.
func (s *Service) enqueueDeliveries(ctx context.Context, ids []string) error {
	if len(ids) == 0 || s.queue == nil {
		return nil
	}
	tx, err := store.SQLTx(ctx)
	if err != nil {
		return err
	}
	for len(ids) > 0 {
		n := min(len(ids), provisionBatch)
		ps := make([]river.InsertManyParams, n)
		for i, id := range ids[:n] {
			ps[i] = river.InsertManyParams{Args: DeliverArgs{CodeID: id}}
		}
		if _, err := s.queue.InsertManyTx(ctx, tx, ps); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// deliverCode sends the code id to its official's registered phone, else e-mail: nothing when it
// was spent or has expired meanwhile (a newer code replaced it, or it was used).
func (s *Service) deliverCode(ctx context.Context, id string) error {
	sys := authz.System(ctx, authz.SysCodeDelivery)
	rec, err := s.client.ActivationCode.Query().Where(activationcode.ID(id)).WithAccount(func(q *ent.AccountQuery) { q.WithOfficial() }).Only(sys)
	if ent.IsNotFound(err) {
		return fmt.Errorf("%w: no code %s", errUndeliverable, id)
	}
	if err != nil {
		return err
	}
	if rec.UsedAt != nil || !rec.ExpiresAt.After(s.now()) {
		s.log.InfoContext(ctx, "code delivery skipped: spent or expired", "code_id", id)
		return nil
	}
	code := s.derivedCode(id)
	if !hmac.Equal([]byte(s.codeHash(code)), []byte(rec.CodeHash)) {
		return fmt.Errorf("%w: code %s was not issued to be sent (or the key changed)", errUndeliverable, id)
	}
	acc := rec.Edges.Account
	if acc == nil || acc.Edges.Official == nil {
		return fmt.Errorf("%w: code %s has no official", errUndeliverable, id)
	}
	msg, ok := contactOf(acc.Edges.Official)
	if !ok {
		return fmt.Errorf("%w: the official of code %s has no contact", errUndeliverable, id)
	}
	fillMessage(&msg, acc.Login, code, rec.ExpiresAt, rec.Purpose == activationcode.PurposeRESET)
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := s.accounts.Sender.Send(c, msg); err != nil {
		s.log.WarnContext(ctx, "code delivery failed; retried", "code_id", id, "channel", msg.Channel, "to", delivery.Mask(msg.To), "error", err.Error())
		return err
	}
	return nil
}

// WaitDeliveries waits until no code delivery is left in the queue but those failing (tests,
// benchmarks), or ctx ends.
func (s *Service) WaitDeliveries(ctx context.Context) error {
	if s.queue == nil {
		return nil
	}
	params := river.NewJobListParams().Kinds(DeliverArgs{}.Kind()).States(rivertype.JobStateAvailable, rivertype.JobStatePending,
		rivertype.JobStateRunning, rivertype.JobStateScheduled).First(1)
	for {
		res, err := s.queue.JobList(ctx, params)
		if err != nil {
			return err
		}
		if len(res.Jobs) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
