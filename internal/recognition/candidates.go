package recognition

import (
	"context"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/incident"
	"github.com/liemchinh/liemchinh/ent/official"
	"github.com/liemchinh/liemchinh/ent/pledge"
	"github.com/liemchinh/liemchinh/ent/schema/enum"
	"github.com/liemchinh/liemchinh/ent/selfassessment"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/workdays"
)

// Candidates is the query of officials whose current unit is in scope and who may be proposed
// for a commendation of year: a pledge for the year SIGNED (not withdrawn), a yearly
// self-assessment for the year REVIEWED as GOOD or EXCELLENT, no incident in the year, and at
// least one PRAISE case about them received in the year (Vietnam time). Staff whose scope covers
// scope only. Each condition is an EXISTS on an indexed column of the official, so a page costs
// the same in a province of 100,000 officials as in a commune.
func (s *Service) Candidates(ctx context.Context, scope authz.Scope, year int) (*ent.OfficialQuery, error) {
	if err := authz.Require(ctx, s.db(ctx), scope); err != nil {
		return nil, err
	}
	if !authz.FromContext(ctx).Staff() {
		return nil, authz.ErrForbidden
	}
	from := time.Date(year, 1, 1, 0, 0, 0, 0, workdays.Vietnam)
	to := from.AddDate(1, 0, 0)
	return s.db(ctx).Official.Query().Where(
		authz.UnitsOf(scope, official.UnitColumn),
		exists(pledge.Table, pledge.OfficialColumn, func(t *sql.SelectTable) *sql.Predicate {
			return sql.And(sql.EQ(t.C(pledge.FieldYear), year), sql.EQ(t.C(pledge.FieldStatus), pledge.StatusSIGNED.String()))
		}),
		exists(selfassessment.Table, selfassessment.OfficialColumn, func(t *sql.SelectTable) *sql.Predicate {
			return sql.And(sql.EQ(t.C(selfassessment.FieldYear), year),
				sql.EQ(t.C(selfassessment.FieldPeriodKind), selfassessment.PeriodKindYEAR.String()),
				sql.EQ(t.C(selfassessment.FieldStatus), selfassessment.StatusREVIEWED.String()),
				sql.In(t.C(selfassessment.FieldFinalClassification), string(enum.ClassificationGood), string(enum.ClassificationExcellent)))
		}),
		notExists(incident.Table, incident.OfficialColumn, func(t *sql.SelectTable) *sql.Predicate {
			return sql.EQ(t.C(incident.FieldYear), year)
		}),
		func(s *sql.Selector) {
			s.Where(sql.Exists(correlated(s, citizencase.Table, citizencase.OfficialColumn, func(t *sql.SelectTable) *sql.Predicate {
				return sql.And(sql.EQ(t.C(citizencase.FieldChannel), string(enum.ChannelPraise)),
					within(s.Dialect(), t.C(citizencase.FieldReceivedAt), from, to))
			})))
		},
	), nil
}

// exists is "some row of table whose column is the official matches where".
func exists(table, column string, where func(*sql.SelectTable) *sql.Predicate) func(*sql.Selector) {
	return func(s *sql.Selector) { s.Where(sql.Exists(correlated(s, table, column, where))) }
}

// notExists is "no row of table whose column is the official matches where".
func notExists(table, column string, where func(*sql.SelectTable) *sql.Predicate) func(*sql.Selector) {
	return func(s *sql.Selector) { s.Where(sql.NotExists(correlated(s, table, column, where))) }
}

// within is "from <= column < to". SQLite keeps times as text with the offset they were written
// with, which compares as text only within one offset: there the instants are compared.
func within(dia, column string, from, to time.Time) *sql.Predicate {
	if dia != dialect.SQLite {
		return sql.And(sql.GTE(column, from), sql.LT(column, to))
	}
	return sql.P(func(b *sql.Builder) {
		b.WriteString("julianday(").WriteString(column).WriteString(") >= julianday(").Arg(from).
			WriteString(") AND julianday(").WriteString(column).WriteString(") < julianday(").Arg(to).WriteString(")")
	})
}

func correlated(s *sql.Selector, table, column string, where func(*sql.SelectTable) *sql.Predicate) *sql.Selector {
	b := sql.Dialect(s.Dialect())
	t := b.Table(table)
	return b.Select(t.C(column)).From(t).Where(sql.And(sql.ColumnsEQ(t.C(column), s.C(official.FieldID)), where(t)))
}
