package authz

import (
	"context"

	"entgo.io/ent/dialect/sql"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/caseevent"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/ent/predicate"
	"github.com/liemchinh/liemchinh/internal/apperr"
)

// The person concerned (DESIGN.md §5): an account linked to an official is, for every case about
// that official, the person concerned and nothing more, whatever its role and scope. The read
// filters (casesIn, heldIn, concernedIn) decide which rows they get; the interceptors below blank
// what the rows they may read still hold of the citizen's words and of the reporter.

// ErrRecused refuses a handling action to the person a case is about.
var ErrRecused = apperr.New(apperr.Forbidden,
	"Bạn là người bị phản ánh, tố cáo trong hồ sơ này nên không được xử lý, trả lời hay được phân công hồ sơ.",
	"This case is about you: you may not handle it, reply on it or be assigned to it.")

// inChunk keeps IN lists short on every database.
const inChunk = 500

// dbOf is the client of the transaction ctx carries (a mutation's payload reads what it wrote),
// or the root one.
func dbOf(ctx context.Context, c *ent.Client) *ent.Client {
	if tc := ent.FromContext(ctx); tc != nil {
		return tc
	}
	return c
}

// aboutOfficial is "the case is about the official" on a cases selector.
func aboutOfficial(officialID string) predicate.CitizenCase {
	return func(s *sql.Selector) { s.Where(sql.EQ(s.C(citizencase.OfficialColumn), officialID)) }
}

// NotConcerned is the predicate that leaves out the cases about the viewer's own official (none
// for a viewer without one): for lists that relate cases to each other (duplicates), which the
// person concerned must never learn of.
func NotConcerned(ctx context.Context) predicate.CitizenCase {
	v := FromContext(ctx)
	return func(s *sql.Selector) {
		if v.OfficialID == "" || SystemReads(ctx, ent.TypeCitizenCase) {
			return
		}
		s.Where(sql.Or(sql.IsNull(s.C(citizencase.OfficialColumn)), sql.NEQ(s.C(citizencase.OfficialColumn), v.OfficialID)))
	}
}

// Concerned reports whether the viewer is the person the case is about (their linked official is
// the case's official), whatever they may otherwise read of it.
func Concerned(ctx context.Context, c *ent.Client, caseID string) (bool, error) {
	v := FromContext(ctx)
	if v.OfficialID == "" || SystemReads(ctx, ent.TypeCitizenCase) {
		return false, nil
	}
	return dbOf(ctx, c).CitizenCase.Query().Where(citizencase.ID(caseID), aboutOfficial(v.OfficialID)).Exist(System(ctx, SysConcerned))
}

// RequireNotConcerned refuses the person concerned (ErrRecused).
func RequireNotConcerned(ctx context.Context, c *ent.Client, caseID string) error {
	ok, err := Concerned(ctx, c, caseID)
	if err != nil {
		return err
	}
	if ok {
		return ErrRecused
	}
	return nil
}

// CaseWhere is the filter of a cases list for the viewer: where itself, and, when where asks
// about the reporter (anonymous, requestedChannel), only the cases the viewer holds, so that the person concerned
// cannot learn by filtering what they may not read.
func CaseWhere(ctx context.Context, where *ent.CaseWhereInput) func(*ent.CitizenCaseQuery) (*ent.CitizenCaseQuery, error) {
	return func(q *ent.CitizenCaseQuery) (*ent.CitizenCaseQuery, error) {
		q, err := where.Filter(q)
		if err != nil || !asksAnonymous(where, 0) {
			return q, err
		}
		return q.Where(NotConcerned(ctx)), nil
	}
}

// CaseWhereGuarded reports whether CaseWhere adds anything to where.Filter for the viewer: where
// asks about the reporter and the viewer has an official the cases could be about. A page loaded
// with where.Filter alone (an eager-loaded edge) is the viewer's page only when it does not.
func CaseWhereGuarded(ctx context.Context, where *ent.CaseWhereInput) bool {
	return FromContext(ctx).OfficialID != "" && !SystemReads(ctx, ent.TypeCitizenCase) && asksAnonymous(where, 0)
}

func asksAnonymous(w *ent.CaseWhereInput, depth int) bool {
	if w == nil || depth > 64 {
		return w != nil
	}
	// requestedChannel tells an anonymous denunciation from feedback, and is masked for the
	// person concerned like anonymous: the same guard.
	if w.Anonymous != nil || w.AnonymousNEQ != nil || w.RequestedChannel != nil || w.RequestedChannelNEQ != nil ||
		len(w.RequestedChannelIn) > 0 || len(w.RequestedChannelNotIn) > 0 || asksAnonymous(w.Not, depth+1) {
		return true
	}
	for _, ws := range [][]*ent.CaseWhereInput{w.And, w.Or} {
		for _, x := range ws {
			if asksAnonymous(x, depth+1) {
				return true
			}
		}
	}
	return false
}

// concernedIDs returns which of the ids (of cases, or of rows whose case is matched by the has
// predicate) are about the viewer's official; all of them for a viewer who is not staff, since
// such a viewer reads nothing else.
func concernedIDs(ctx context.Context, v Viewer, ids []string, about func(chunk []string) ([]string, error)) (map[string]bool, error) {
	out := map[string]bool{}
	if len(ids) == 0 || v.OfficialID == "" {
		return out, nil
	}
	if !v.Staff() {
		for _, id := range ids {
			out[id] = true
		}
		return out, nil
	}
	for lo := 0; lo < len(ids); lo += inChunk {
		got, err := about(ids[lo:min(lo+inChunk, len(ids))])
		if err != nil {
			return nil, err
		}
		for _, id := range got {
			out[id] = true
		}
	}
	return out, nil
}

// maskConcerned blanks, in the cases the person concerned reads about themself, everything but
// channel, category, state, dates, the notice, the conclusion and the findings: the citizen's
// words (description, place, the incident date as reported), the rating, whether the reporter is
// anonymous and the channel they asked for (an anonymous denunciation is handled as feedback), and
// any eager-loaded duplicate. Non-nullable fields get neutral values (description "", anonymous
// false, requestedChannel = channel), so nothing distinguishes one case from another.
func maskConcerned(c *ent.Client) ent.Interceptor {
	return maskAboutViewer(ent.TypeCitizenCase, func(k *ent.CitizenCase) string { return k.ID },
		func(ctx context.Context, v Viewer, chunk []string) ([]string, error) {
			return dbOf(ctx, c).CitizenCase.Query().Where(citizencase.IDIn(chunk...), aboutOfficial(v.OfficialID)).IDs(System(ctx, SysConcerned))
		},
		func(k *ent.CitizenCase) {
			k.Description, k.Place, k.IncidentDate = "", nil, nil
			k.Anonymous, k.RequestedChannel, k.ReporterVerified = false, k.Channel, false
			k.Rating, k.ReporterIdentity, k.SecretHash = nil, nil, ""
			k.Edges.Duplicates, k.Edges.DuplicateOf, k.Edges.Evidence, k.Edges.Messages = nil, nil, nil, nil
		})
}

// maskConcernedNotes blanks the notes of the events the person concerned reads about themself,
// but the findings of the conclusion: a note may quote the citizen (and a citizen's own note, the
// withdrawal reason, is theirs). Everyone else who reads events holds the case as staff.
func maskConcernedNotes(c *ent.Client) ent.Interceptor {
	return maskAboutViewer(ent.TypeCaseEvent, func(e *ent.CaseEvent) string { return e.ID },
		func(ctx context.Context, v Viewer, chunk []string) ([]string, error) {
			return dbOf(ctx, c).CaseEvent.Query().Where(caseevent.IDIn(chunk...),
				caseevent.HasCaseWith(aboutOfficial(v.OfficialID))).IDs(System(ctx, SysConcerned))
		},
		func(e *ent.CaseEvent) {
			// Only staff conclude; a kind not selected reads as "" and is blanked (fails closed).
			if e.Kind != caseevent.KindCONCLUDED {
				e.Note = ""
			}
		})
}

// maskAboutViewer is an interceptor that calls blank on every row a query of typ returns (one or
// a list of *T) that is about the viewer's own official, as about tells from a chunk of ids; not
// for a purpose that reads typ past the viewer filters.
func maskAboutViewer[T any](typ string, idOf func(*T) string, about func(context.Context, Viewer, []string) ([]string, error), blank func(*T)) ent.Interceptor {
	return ent.InterceptFunc(func(next ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
			val, err := next.Query(ctx, q)
			v := FromContext(ctx)
			if err != nil || SystemReads(ctx, typ) || v.OfficialID == "" {
				return val, err
			}
			var rows []*T
			switch x := val.(type) {
			case []*T:
				rows = x
			case *T:
				rows = []*T{x}
			default:
				return val, nil
			}
			ids := make([]string, 0, len(rows))
			for _, r := range rows {
				if r != nil {
					ids = append(ids, idOf(r))
				}
			}
			mine, err := concernedIDs(ctx, v, ids, func(chunk []string) ([]string, error) { return about(ctx, v, chunk) })
			if err != nil {
				return nil, err
			}
			for _, r := range rows {
				if r != nil && mine[idOf(r)] {
					blank(r)
				}
			}
			return val, nil
		})
	})
}
