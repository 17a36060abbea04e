package model

import (
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/liemchinh/liemchinh/internal/workdays"
)

// MarshalTime writes every Time of the API in one format: RFC 3339 in Vietnam time
// (2026-11-29T08:00:00+07:00), whatever location the value was read or computed in (a database
// driver gives UTC or its session's zone; deadlines are computed in Vietnam time).
func MarshalTime(t time.Time) graphql.Marshaler {
	if t.IsZero() {
		return graphql.Null
	}
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.In(workdays.Vietnam).Format(time.RFC3339Nano)))
	})
}

// UnmarshalTime reads an RFC 3339 time in any offset, as gqlgen's own scalar.
func UnmarshalTime(v any) (time.Time, error) { return graphql.UnmarshalTime(v) }
