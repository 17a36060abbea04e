package seed

import (
	"context"
	"hash/fnv"
	"math/rand/v2"
	"time"

	"github.com/liemchinh/liemchinh/internal/pid"
)

// seedKey is the fixed seed of every random choice of the seed data. Changing it changes every id.
const seedKey = 0x4c69656d4368696e // "LiemChin"

// stream is a deterministic source of choices, ids and nonces for one part of the data. Each part
// has its own stream (named), so that a change in one part leaves the ids of the others alone.
type stream struct{ *rand.Rand }

func newStream(name string) *stream {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	return &stream{rand.New(rand.NewPCG(seedKey, h.Sum64()))}
}

// Read fills p with pseudo-random bytes; it never fails. It is the entropy of ULIDs and of sealbox
// nonces.
func (s *stream) Read(p []byte) (int, error) {
	for i := 0; i < len(p); i += 8 {
		v := s.Uint64()
		for j := 0; j < 8 && i+j < len(p); j++ {
			p[i+j] = byte(v >> (8 * j))
		}
	}
	return len(p), nil
}

// id returns the id of a record created at t.
func (s *stream) id(prefix string, t time.Time) string { return pid.NewAt(prefix, t, s) }

// chance is true with probability p.
func (s *stream) chance(p float64) bool { return s.Float64() < p }

// between returns an int in [lo, hi].
func (s *stream) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + s.IntN(hi-lo+1)
}

func pick[T any](s *stream, xs []T) T { return xs[s.IntN(len(xs))] }

// weighted picks an index with probability proportional to its weight.
func weighted(s *stream, weights []float64) int {
	var sum float64
	for _, w := range weights {
		sum += w
	}
	x := s.Float64() * sum
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// batchSize bounds the rows of one INSERT: SQLite limits the bound variables of a statement.
const batchSize = 500

// sink collects builders of one table and saves them in batches. Rows referenced by its rows are
// flushed first (before), so that foreign keys hold statement by statement, as PostgreSQL needs.
type sink[B any] struct {
	save   func(context.Context, []B) error
	buf    []B
	before []interface{ flush(context.Context) error }
	n      int
	err    *error
}

func newSink[B any](errp *error, save func(context.Context, []B) error) *sink[B] {
	return &sink[B]{save: save, err: errp}
}

func (s *sink[B]) add(ctx context.Context, b B) {
	s.buf = append(s.buf, b)
	s.n++
	if len(s.buf) >= batchSize {
		_ = s.flush(ctx)
	}
}

func (s *sink[B]) flush(ctx context.Context) error {
	if *s.err != nil {
		s.buf = nil
		return *s.err
	}
	for _, b := range s.before {
		if err := b.flush(ctx); err != nil {
			return err
		}
	}
	if len(s.buf) == 0 {
		return nil
	}
	if err := s.save(ctx, s.buf); err != nil {
		*s.err = err
	}
	s.buf = make([]B, 0, batchSize)
	return *s.err
}
