// Package events carries case transitions to GraphQL subscribers.
//
// A Broker fans events out to the subscribers of the process. Two implementations exist:
//
//   - Local, for SQLite (local use): an in-process fan-out. Only subscribers in the same process
//     see an event.
//   - Postgres, for production: Publish sends a PostgreSQL NOTIFY on the channel
//     "liemchinh_events" and one pq.Listener per process LISTENs on it, so an event published by
//     any server process sharing the database reaches the subscribers of every process, the
//     publishing one included (through the database, once).
//
// Postgres.Watch lets another notification channel (the account changes of package store) share
// the broker's one listener connection, and tells its watcher when the connection is lost.
//
// Delivery is best effort and at most once: it is a signal for live views, never the record.
// Events are lost when a subscriber falls behind (see SubscriberBuffer) and, with PostgreSQL, while
// the listener's connection is down (the reconnection is logged). A subscriber that must not miss
// anything re-reads the state from the database when it (re)subscribes.
package events

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Event is one case transition, as told to subscribers.
//
// It is deliberately small and carries identifiers and states only. It must NEVER carry the
// identity of a reporter (no reporter id, name, contact, IP address, nor any free text that could
// reveal one) nor any other personal data: with PostgreSQL its JSON travels through the server's
// notification queue, and every process and every subscriber of the channel sees it. A subscriber
// that needs more reads it through the authorized API, as the viewer.
type Event struct {
	Topic  string    `json:"topic"`  // what happened, e.g. "case.transition"
	CaseID string    `json:"caseId"` // the case's id
	Kind   string    `json:"kind"`   // the transition (or action) that happened
	State  string    `json:"state"`  // the case's state after it
	At     time.Time `json:"at"`     // when; Publish sets it to now when zero
	UnitID string    `json:"unitId"` // the unit that handles the case, for filtering by audience
}

// Broker publishes events and hands them to subscribers.
type Broker interface {
	// Publish sends e to every subscriber (of every process, for Postgres). It does not wait for
	// subscribers, and fails only when the event cannot be sent (too large, closed broker,
	// database error).
	Publish(ctx context.Context, e Event) error
	// Subscribe returns a channel receiving every event published after the call, by any process
	// (Postgres) or this process (Local), until the returned cancel func is called, ctx ends or
	// the broker is closed; the channel is then closed. Cancel may be called more than once. A
	// subscriber that does not keep up loses its oldest unread events (see SubscriberBuffer); it
	// never blocks publishers nor other subscribers.
	Subscribe(ctx context.Context) (<-chan Event, func())
	// Close stops the broker and closes every subscriber's channel. Later Publish calls fail with
	// ErrClosed and later Subscribe calls return a closed channel.
	Close() error
}

// Execer runs a statement: *sql.DB, *sql.Tx and *sql.Conn are Execers.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// TxPublisher publishes an event as part of a database transaction. Both Local and Postgres are
// TxPublishers; their semantics differ, see Postgres.PublishTx and Local.PublishTx.
type TxPublisher interface {
	PublishTx(ctx context.Context, execer Execer, e Event) error
}

// Channel is the PostgreSQL notification channel the events travel on.
const Channel = "liemchinh_events"

// MaxPayload is the largest JSON encoding of an Event that is accepted, in bytes. PostgreSQL
// refuses a NOTIFY payload of 8000 bytes or more (default configuration); Local enforces the same
// limit so an event that works with SQLite works with PostgreSQL.
const MaxPayload = 7999

// SubscriberBuffer is how many unread events each subscriber's channel holds. When it is full, a
// new event pushes out the oldest unread one (drop oldest: a lagging live view should rather show
// the latest transitions than stale ones) and the broker's Dropped counter goes up by one.
const SubscriberBuffer = 256

var (
	// ErrClosed is returned by Publish on a closed broker.
	ErrClosed = errors.New("events: broker closed")
	// ErrTooLarge is returned by Publish when the event's JSON exceeds MaxPayload.
	ErrTooLarge = errors.New("events: event too large")
)

// encode stamps e (At = now when zero) and returns it with its JSON, refusing one over MaxPayload.
func encode(e Event) (Event, []byte, error) {
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	b, err := json.Marshal(e)
	if err != nil {
		return e, nil, fmt.Errorf("events: encode: %w", err)
	}
	if len(b) > MaxPayload {
		return e, nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(b), MaxPayload)
	}
	return e, b, nil
}
