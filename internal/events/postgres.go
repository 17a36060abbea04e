package events

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lib/pq"
)

const (
	notifySQL = "SELECT pg_notify('" + Channel + "', $1)"

	minReconnect   = time.Second      // pq.Listener: first wait after losing the connection
	maxReconnect   = 30 * time.Second // pq.Listener: the wait doubles up to this
	connectTimeout = 30 * time.Second // NewPostgres gives up when the listener is not up by then
	pingInterval   = 90 * time.Second // a quiet connection is checked this often (pq's advice)
)

// Postgres is the Broker used with PostgreSQL. Publish sends a NOTIFY on Channel; one pq.Listener
// (one dedicated connection) per broker LISTENs on it and fans the events out to the broker's
// subscribers. Create one per process. Events published by any process on the same database reach
// the subscribers of every process, this one included, once, and only through the database.
type Postgres struct {
	db       *sql.DB
	log      *slog.Logger
	hub      *hub
	listener *pq.Listener

	failed    chan error // connection attempts that failed, for NewPostgres
	watchMu   sync.Mutex // guards up and watchers; held while telling watchers of the connection
	up        bool       // the listener is connected and LISTENs on every channel
	watchers  map[string]Watcher
	stop      chan struct{} // closed by Close
	done      chan struct{} // closed when dispatch has returned
	closed    atomic.Bool
	closeOnce sync.Once
}

var (
	_ Broker      = (*Postgres)(nil)
	_ TxPublisher = (*Postgres)(nil)
)

// NewPostgres starts a broker: it opens the listener's own connection to dsn (the same database as
// db) and returns once it LISTENs on Channel, or fails when it could not connect (first attempt
// failed, or not within 30 seconds). db is used by Publish only; the broker does not close it.
// log may be nil; connection losses and reconnections are logged on it.
func NewPostgres(dsn string, db *sql.DB, log *slog.Logger) (*Postgres, error) {
	if db == nil {
		return nil, errors.New("events: NewPostgres: nil db")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Postgres{
		db:     db,
		log:    log.With(slog.String("component", "events")),
		hub:    newHub(),
		failed: make(chan error, 1),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	p.listener = pq.NewListener(dsn, minReconnect, maxReconnect, p.onListenerEvent)
	go p.dispatch()

	listened := make(chan error, 1)
	go func() { listened <- p.listener.Listen(Channel) }()
	timer := time.NewTimer(connectTimeout)
	defer timer.Stop()
	var err error
	select {
	case err = <-listened:
		if err != nil {
			err = fmt.Errorf("events: listen on %s: %w", Channel, err)
		}
	case err = <-p.failed:
		err = fmt.Errorf("events: connect listener: %w", err)
	case <-timer.C:
		err = fmt.Errorf("events: listener not connected after %s", connectTimeout)
	}
	if err != nil {
		_ = p.Close()
		return nil, err
	}
	go p.pinger()
	return p, nil
}

// onListenerEvent is pq's event callback. It runs on the listener's goroutine: it must not block.
func (p *Postgres) onListenerEvent(ev pq.ListenerEventType, err error) {
	switch ev {
	case pq.ListenerEventConnected, pq.ListenerEventReconnected:
		p.setUp(true)
	case pq.ListenerEventDisconnected:
		p.setUp(false)
	}
	switch ev {
	case pq.ListenerEventConnected:
		p.log.Info("events listener connected", slog.String("channel", Channel))
	case pq.ListenerEventDisconnected:
		p.log.Warn("events listener disconnected; reconnecting", slog.String("channel", Channel),
			slog.Any("error", err))
	case pq.ListenerEventReconnected:
		p.log.Warn("events listener reconnected; events published while it was disconnected were not delivered",
			slog.String("channel", Channel))
	case pq.ListenerEventConnectionAttemptFailed:
		p.log.Error("events listener connection attempt failed", slog.String("channel", Channel),
			slog.Any("error", err))
		select {
		case p.failed <- err:
		default:
		}
	}
}

// dispatch forwards the listener's notifications to the subscribers until Close.
func (p *Postgres) dispatch() {
	defer close(p.done)
	notify := p.listener.NotificationChannel()
	for {
		select {
		case n, ok := <-notify:
			if !ok {
				return
			}
			p.deliver(n)
		case <-p.stop:
			// The listener may still hand over a few notifications before it closes Notify
			// (it can be asleep between reconnection attempts): drain them so it never blocks.
			go func() {
				for range notify {
				}
			}()
			return
		}
	}
}

func (p *Postgres) deliver(n *pq.Notification) {
	if n == nil { // the connection was re-established (logged)
		return
	}
	if n.Channel != Channel {
		p.watchMu.Lock()
		w := p.watchers[n.Channel]
		p.watchMu.Unlock()
		if w != nil {
			w.Notified(n.Extra)
		}
		return
	}
	var e Event
	if err := json.Unmarshal([]byte(n.Extra), &e); err != nil {
		p.log.Warn("events: malformed notification ignored", slog.Int("bytes", len(n.Extra)),
			slog.Int("sender_pid", n.BePid), slog.Any("error", err))
		return
	}
	p.hub.publish(e)
}

// Watcher is told what arrives on a notification channel other than Channel (see Postgres.Watch).
// Its methods run on the broker's goroutines and must not block.
type Watcher interface {
	// Notified receives the payload of one notification on the watched channel.
	Notified(payload string)
	// Connected says whether notifications are being received: false as soon as the listener's
	// connection is known to be lost (what is sent from then on is never delivered), true once it
	// LISTENs again. It is called in the order the changes happen, never concurrently.
	Connected(up bool)
}

// Watch LISTENs on channel too, on the broker's one listener connection, and hands w what arrives
// on it and every change of the connection, until Close. w starts disconnected: Connected(true)
// comes once the channel is listened to (at once when the connection is up). A channel is watched
// by one Watcher; Channel itself cannot be watched.
func (p *Postgres) Watch(channel string, w Watcher) error {
	if channel == Channel {
		return errors.New("events: Watch: the events channel is the broker's own")
	}
	p.watchMu.Lock()
	if p.watchers == nil {
		p.watchers = map[string]Watcher{}
	}
	if _, taken := p.watchers[channel]; taken {
		p.watchMu.Unlock()
		return fmt.Errorf("events: Watch: %s is watched already", channel)
	}
	p.watchers[channel] = w
	p.watchMu.Unlock()
	// Listen returns once the channel is listened to on a live connection (or is queued for the
	// next one, which LISTENs on it before reporting itself connected).
	if err := p.listener.Listen(channel); err != nil {
		p.watchMu.Lock()
		delete(p.watchers, channel)
		p.watchMu.Unlock()
		return fmt.Errorf("events: listen on %s: %w", channel, err)
	}
	p.watchMu.Lock()
	defer p.watchMu.Unlock()
	if p.up { // a loss since Listen returned set up to false and told w nothing it must undo
		w.Connected(true)
	}
	return nil
}

// setUp records the listener's connection state and tells the watchers, under watchMu so that
// Watch and the listener's events are seen in one order.
func (p *Postgres) setUp(up bool) {
	p.watchMu.Lock()
	defer p.watchMu.Unlock()
	p.up = up
	for _, w := range p.watchers {
		w.Connected(up)
	}
}

// pinger checks the listener's connection now and then, so a silently dead one is noticed and
// re-established even when no notification comes.
func (p *Postgres) pinger() {
	t := time.NewTicker(pingInterval)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			if err := p.listener.Ping(); err != nil && !p.closed.Load() {
				p.log.Warn("events listener ping failed", slog.Any("error", err))
			}
		}
	}
}

// Publish sends e with NOTIFY on the broker's db, outside any transaction: it is delivered at once
// to the subscribers of every process, this one included (through the database). The JSON of e
// must not exceed MaxPayload (ErrTooLarge).
func (p *Postgres) Publish(ctx context.Context, e Event) error { return p.PublishTx(ctx, p.db, e) }

// PublishTx sends e with NOTIFY through execer. With a *sql.Tx, NOTIFY is transactional in
// PostgreSQL: the event is delivered only when, and as soon as, the transaction commits, and never
// if it rolls back, so a transition and its event cannot disagree. Events of one transaction are
// delivered in the order sent, those of different transactions in commit order; PostgreSQL folds
// identical events within one transaction into one. execer must be on the same database as the
// listeners (a *sql.DB, *sql.Tx or *sql.Conn of it).
func (p *Postgres) PublishTx(ctx context.Context, execer Execer, e Event) error {
	if p.closed.Load() {
		return ErrClosed
	}
	_, b, err := encode(e)
	if err != nil {
		return err
	}
	if _, err := execer.ExecContext(ctx, notifySQL, string(b)); err != nil {
		return fmt.Errorf("events: notify: %w", err)
	}
	return nil
}

// Subscribe: see Broker.Subscribe.
func (p *Postgres) Subscribe(ctx context.Context) (<-chan Event, func()) {
	return p.hub.subscribe(ctx)
}

// Close closes the listener's connection and every subscriber's channel. It does not close the db
// given to NewPostgres. It is safe to call more than once.
func (p *Postgres) Close() error {
	p.closeOnce.Do(func() {
		p.closed.Store(true)
		close(p.stop)
		_ = p.listener.Close() // only fails when already closed
		<-p.done
		p.setUp(false) // the watchers hear nothing more
		p.hub.close()
	})
	return nil
}

// Dropped is how many events this process's subscribers have lost so far by not keeping up.
func (p *Postgres) Dropped() uint64 { return p.hub.dropped.Load() }
