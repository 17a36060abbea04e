package events

import "context"

// Local is the in-process Broker used with SQLite: events reach only the subscribers of this
// process. The zero value is not usable; use NewLocal.
type Local struct{ hub *hub }

var (
	_ Broker      = (*Local)(nil)
	_ TxPublisher = (*Local)(nil)
)

// NewLocal returns an in-process broker.
func NewLocal() *Local { return &Local{hub: newHub()} }

// Publish hands e to this process's subscribers at once. It refuses an event whose JSON exceeds
// MaxPayload, like Postgres.
func (l *Local) Publish(ctx context.Context, e Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if l.hub.isClosed() {
		return ErrClosed
	}
	e, _, err := encode(e)
	if err != nil {
		return err
	}
	l.hub.publish(e)
	return nil
}

// PublishTx ignores execer and publishes at once: SQLite has no NOTIFY, so the event cannot wait
// for the transaction's commit. A caller on SQLite must therefore NOT call it inside a
// transaction that may still roll back; it publishes after the commit succeeded (a rolled-back
// transaction publishes nothing). It exists so code written for Postgres.PublishTx compiles
// against either broker.
func (l *Local) PublishTx(ctx context.Context, _ Execer, e Event) error { return l.Publish(ctx, e) }

// Subscribe: see Broker.Subscribe.
func (l *Local) Subscribe(ctx context.Context) (<-chan Event, func()) { return l.hub.subscribe(ctx) }

// Close closes every subscriber's channel. It is safe to call more than once.
func (l *Local) Close() error {
	l.hub.close()
	return nil
}

// Dropped is how many events subscribers have lost so far by not keeping up.
func (l *Local) Dropped() uint64 { return l.hub.dropped.Load() }
