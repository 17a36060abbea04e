package casework

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/caseevent"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/audit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/idempotency"
)

// Group commit: submissions without files that arrive together are written in one transaction
// (one idempotency claim statement, one INSERT of cases, one of events, one of audit entries, one
// progress counter flush, one commit), instead of one transaction each. A submission waits only
// while writers are busy: with a writer free it is written at once, alone, so nothing is added
// when the server is quiet. Everything chosen per submission (ids, tracking code, secret and its
// sealing, the signed receipt) is chosen before, by its own request.

type groupedKey struct{}

// Grouped marks the context of a GraphQL operation whose only field is a caseSubmit without
// files, run without a transaction of its own: Submit then writes it in a group commit (or, with
// files, in a transaction of its own). yield, when not nil, is called once the submission is
// queued for its group: it gives back what the operation holds while it merely waits (the
// server's admission turn).
func Grouped(ctx context.Context, yield func()) context.Context {
	if yield == nil {
		yield = func() {}
	}
	return context.WithValue(ctx, groupedKey{}, yield)
}

func grouped(ctx context.Context) bool { _, g := ctx.Value(groupedKey{}).(func()); return g }

func groupYield(ctx context.Context) {
	if f, ok := ctx.Value(groupedKey{}).(func()); ok {
		f()
	}
}

const (
	// groupMax bounds the submissions of one transaction.
	groupMax = 128
	// groupQueueMax bounds the submissions waiting: past it, a submission keeps its admission turn
	// and is written alone, so a burst or a slow database holds the server's admission limit
	// rather than an ever longer queue.
	groupQueueMax = 4 * groupMax
	// groupTimeout bounds one group's transaction (the requests' own deadlines do not: the group
	// is theirs together).
	groupTimeout = 30 * time.Second
)

// group is the queue of submissions waiting to be written and how many writers run.
type group struct {
	mu      sync.Mutex
	queue   []*prepared
	writers int
}

// groupWriters is how many group transactions may run at once: one. On SQLite there is one
// writer anyway; on PostgreSQL a second concurrent group was measured slower (32 clients, demo
// data, interleaved rounds: 1 writer 395-966/s, 2 writers 367-894/s, 4 707/s, 8 301/s), as
// concurrent groups wait on each other's counter rows, while one writer gathers the next group as
// the previous one commits.
func (s *Service) groupWriters() int { return 1 }

// submit queues p and waits for its answer. With fewer writers than allowed, the caller becomes
// one: it writes what is waiting (its own submission among it) in groups until its own is
// answered, then leaves the rest, if any, to a writer of its own.
//
// A submission still queued when its request ends (the client went away, its deadline passed)
// leaves the queue unwritten; one a writer has taken is answered once its group is written.
func (g *group) submit(s *Service, p *prepared) (*Receipt, error) {
	p.done = make(chan struct{})
	g.mu.Lock()
	if len(g.queue) >= groupQueueMax {
		g.mu.Unlock()
		return s.submitAlone(p)
	}
	g.queue = append(g.queue, p)
	lead := g.writers < s.groupWriters()
	if lead {
		g.writers++
	}
	g.mu.Unlock()
	groupYield(p.ctx)
	if lead {
		g.write(s, p)
	}
	select {
	case <-p.done:
	case <-p.ctx.Done():
		if g.leave(p) {
			if errors.Is(p.ctx.Err(), context.DeadlineExceeded) {
				return nil, apperr.ErrTimeout
			}
			return nil, p.ctx.Err()
		}
		<-p.done // taken by a writer: its group's transaction is bounded by groupTimeout
	}
	return p.out, p.err
}

// leave takes p out of the queue, reporting whether it was still there (no writer took it).
func (g *group) leave(p *prepared) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, q := range g.queue {
		if q == p {
			g.queue = append(g.queue[:i], g.queue[i+1:]...)
			return true
		}
	}
	return false
}

// write writes groups from the queue until it is empty, or until own (when not nil) is answered
// and a new writer takes over.
func (g *group) write(s *Service, own *prepared) {
	for {
		if hold := groupHold.Load(); hold != nil {
			(*hold)(g.queued)
		}
		g.mu.Lock()
		if len(g.queue) == 0 {
			g.writers--
			g.mu.Unlock()
			return
		}
		if own != nil && answered(own) {
			g.mu.Unlock()
			go g.write(s, nil) // the request answers its client now; the writer goes on
			return
		}
		n := min(len(g.queue), groupMax)
		batch := make([]*prepared, n)
		copy(batch, g.queue)
		rest := copy(g.queue, g.queue[n:])
		clear(g.queue[rest:])
		g.queue = g.queue[:rest]
		g.mu.Unlock()
		s.writeGroup(batch)
	}
}

// groupHold, set by tests only, is called by a writer before it takes a group from the queue.
var groupHold atomic.Pointer[func(queued func() int)]

// queued is how many submissions wait.
func (g *group) queued() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.queue)
}

func answered(p *prepared) bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *prepared) answer(r *Receipt, err error) {
	p.out, p.err = r, err
	close(p.done)
}

// writeGroup writes a group in one transaction. When that fails for any reason, each submission
// is written again alone in a transaction of its own, so one bad submission fails only itself.
// Submissions whose key was already claimed (retries, conflicts, the same key twice) are written
// alone after the group's transaction ends, which answers them exactly as a single request.
func (s *Service) writeGroup(batch []*prepared) {
	defer func() {
		if r := recover(); r != nil {
			err := fmt.Errorf("casework: group commit panicked: %v", r)
			if s.log != nil {
				s.log.Error("group commit", "error", err.Error())
			}
			for _, p := range batch {
				if !answered(p) {
					p.answer(nil, err)
				}
			}
		}
	}()
	if len(batch) == 1 {
		batch[0].answer(s.submitAlone(batch[0]))
		return
	}
	rest, err := s.writeTogether(batch)
	if err != nil {
		if s.log != nil {
			s.log.Warn("group commit failed; its submissions are written one by one", "submissions", len(batch), "error", err.Error())
		}
		rest = batch
	}
	for _, p := range rest {
		p.answer(s.submitAlone(p))
	}
}

// writeTogether writes the submissions of batch whose keys it claims in one transaction, answers
// them once it has committed, and returns the others. On an error nothing is written and nothing
// answered.
func (s *Service) writeTogether(batch []*prepared) (rest []*prepared, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	tx, err := s.client.Tx(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, tx.Rollback())
		}
	}()
	c := tx.Client()
	ctx = ent.NewTxContext(ent.NewContext(ctx, c), tx)
	reqs := make([]*idempotency.Request, len(batch))
	results := make([]idempotency.Result, len(batch))
	for i, p := range batch {
		reqs[i], results[i] = p.req, p.result()
	}
	claimed, err := idempotency.ClaimAll(authz.System(ctx, authz.SysIdempotency), c, s.dialect, reqs, results)
	if err != nil {
		return nil, err
	}
	var mine []*prepared
	for i, p := range batch {
		if claimed[i] {
			mine = append(mine, p)
		} else {
			rest = append(rest, p)
		}
	}
	if len(mine) == 0 {
		return rest, tx.Rollback() // nothing written
	}
	cases := make([]*ent.CitizenCaseCreate, len(mine))
	events := make([]*ent.CaseEventCreate, len(mine))
	entries := make([]*ent.AuditEventCreate, len(mine))
	for i, p := range mine {
		cases[i], events[i], entries[i] = s.caseCreate(c, p), eventCreate(c, p), audit.Create(p.ctx, c, auditEntry(p))
	}
	gctx := submitGrant(ctx)
	made, err := c.CitizenCase.CreateBulk(cases...).Save(gctx)
	if err != nil {
		return nil, err
	}
	if err = c.CaseEvent.CreateBulk(events...).Exec(gctx); err != nil {
		return nil, err
	}
	if err = c.AuditEvent.CreateBulk(entries...).Exec(authz.System(ctx, authz.SysAudit)); err != nil {
		return nil, err
	}
	for i, p := range mine {
		p.r.Case = made[i]
		p.r.Case.Edges.Evidence = []*ent.Evidence{} // none: the receipt's view reads nothing back
		s.publish(ent.NewTxContext(p.ctx, tx), p.r.Case, p.in.UnitID, string(caseevent.KindSUBMITTED), enum.CaseSubmitted)
	}
	if err = tx.Commit(); err != nil {
		return nil, err
	}
	for _, p := range mine {
		p.answer(p.r, nil)
	}
	return rest, nil
}

// submitAlone writes one submission in a transaction of its own, as a mutation's own would: rolled
// back on any error (user errors included), an error that says whether it may have been saved
// when the commit fails.
func (s *Service) submitAlone(p *prepared) (*Receipt, error) {
	ctx := p.ctx
	tx, err := s.client.Tx(ctx)
	if err != nil {
		return nil, s.notSaved(ctx, "begin", err, apperr.ErrDatabaseLost)
	}
	ctx = ent.NewTxContext(ent.NewContext(ctx, tx.Client()), tx)
	r, err := s.write(ctx, tx.Client(), p)
	if err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, s.notSaved(ctx, "commit", err, apperr.ErrNotSaved)
	}
	return r, nil
}

// notSaved is the answer of a submission whose transaction could not be opened or committed.
func (s *Service) notSaved(ctx context.Context, step string, err error, e *apperr.Error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return apperr.ErrTimeout
	}
	if s.log != nil {
		s.log.ErrorContext(ctx, "mutation not saved", "step", step, "error", err.Error())
	}
	return e
}
