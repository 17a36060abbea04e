package graph

import (
	"context"
	"strconv"
	"time"

	"entgo.io/contrib/entgql"

	"github.com/liemchinh/liemchinh/ent/account"
	"github.com/liemchinh/liemchinh/graph/model"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/casework"
	"github.com/liemchinh/liemchinh/internal/progress"
	"github.com/liemchinh/liemchinh/internal/selfreport"
)

// nonEmpty is nil for "", else &s.
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// scopeOf reads a scope from the GraphQL input's kind and the id of that kind.
func scopeOf(kind account.ScopeKind, unitID, districtID, provinceID *string) authz.Scope {
	sc := authz.Scope{Kind: authz.ScopeKind(kind)}
	switch sc.Kind {
	case authz.ScopeUnit:
		sc.ID = deref(unitID)
	case authz.ScopeDistrict:
		sc.ID = deref(districtID)
	case authz.ScopeProvince:
		sc.ID = deref(provinceID)
	}
	return sc
}

// scoped loads the viewer's scope object when the scope is of the given kind.
func scoped[T any](ctx context.Context, v *authz.Viewer, kind authz.ScopeKind, get func(context.Context, string) (*T, error)) (*T, error) {
	if v.Scope.Kind != kind || v.Scope.ID == "" {
		return nil, nil
	}
	return get(ctx, v.Scope.ID)
}

// draftOf reads a self-assessment draft from its GraphQL input.
func draftOf(in model.SelfAssessmentSaveInput) selfreport.Draft {
	d := selfreport.Draft{CampaignID: in.CampaignID, Year: in.Year, Score: in.Score,
		Proposed: in.ProposedClassification, Summary: deref(in.Summary)}
	if in.PeriodKind != nil {
		d.PeriodKind = *in.PeriodKind
	}
	if in.Period != nil {
		d.Period = *in.Period
	}
	for _, it := range in.Items {
		d.Items = append(d.Items, selfreport.Item{CriterionCode: it.CriterionCode, Kept: it.Kept,
			Rating: it.Rating, Note: deref(it.Note)})
	}
	return d
}

// submissionOf reads a citizen's submission from its GraphQL input.
func submissionOf(in model.CaseSubmitInput) casework.Submission {
	s := casework.Submission{Channel: in.Channel, UnitID: in.UnitID, OfficialID: deref(in.OfficialID),
		Category: in.Category, Description: in.Description, IncidentDate: in.IncidentDate, Place: deref(in.Place),
		UploadIDs: in.UploadIds}
	if r := in.Reporter; r != nil {
		s.Reporter = &casework.Identity{Name: r.Name, Phone: deref(r.Phone), NationalID: deref(r.NationalID), Address: deref(r.Address)}
	}
	return s
}

// scopeInput reads a ScopeInput (exactly one of its fields) as a scope; nil for none.
func scopeInput(in *model.ScopeInput) *authz.Scope {
	switch {
	case in == nil:
		return nil
	case in.UnitID != nil:
		return &authz.Scope{Kind: authz.ScopeUnit, ID: *in.UnitID}
	case in.DistrictID != nil:
		return &authz.Scope{Kind: authz.ScopeDistrict, ID: *in.DistrictID}
	case in.ProvinceID != nil:
		return &authz.Scope{Kind: authz.ScopeProvince, ID: *in.ProvinceID}
	}
	return &authz.Scope{Kind: authz.ScopeNation}
}

// scopeExactly reads a ScopeInput that must name exactly one scope.
func scopeExactly(in *model.ScopeInput) (authz.Scope, error) {
	var sc []authz.Scope
	if in != nil {
		if in.UnitID != nil {
			sc = append(sc, authz.Scope{Kind: authz.ScopeUnit, ID: *in.UnitID})
		}
		if in.DistrictID != nil {
			sc = append(sc, authz.Scope{Kind: authz.ScopeDistrict, ID: *in.DistrictID})
		}
		if in.ProvinceID != nil {
			sc = append(sc, authz.Scope{Kind: authz.ScopeProvince, ID: *in.ProvinceID})
		}
		if in.National != nil && *in.National {
			sc = append(sc, authz.Scope{Kind: authz.ScopeNation})
		}
	}
	if len(sc) != 1 {
		return authz.Scope{}, apperr.New(apperr.BadUserInput,
			"Phạm vi phải nêu đúng một trong unitId, districtId, provinceId hoặc national: true.",
			"A scope names exactly one of unitId, districtId, provinceId or national: true.").OnField("scope")
	}
	return sc[0], nil
}

// rankingPage cuts a page out of a whole ranking; cursors are ranks.
func rankingPage(entries []progress.Entry, after *entgql.Cursor[string], first *int, before *entgql.Cursor[string], last *int) *model.RankingConnection {
	lo, hi := 0, len(entries) // entries[lo:hi] remain after the cursors
	if after != nil {
		if n, err := strconv.Atoi(after.ID); err == nil && n > lo {
			lo = min(n, hi)
		}
	}
	if before != nil {
		if n, err := strconv.Atoi(before.ID); err == nil && n-1 < hi {
			hi = max(n-1, lo)
		}
	}
	info := entgql.PageInfo[string]{HasPreviousPage: lo > 0, HasNextPage: hi < len(entries)}
	if first != nil && *first < hi-lo {
		hi, info.HasNextPage = lo+max(*first, 0), true
	}
	if last != nil && *last < hi-lo {
		lo, info.HasPreviousPage = hi-max(*last, 0), true
	}
	conn := &model.RankingConnection{PageInfo: &info, TotalCount: len(entries)}
	for i := lo; i < hi; i++ {
		e := &entries[i]
		c := entgql.Cursor[string]{ID: strconv.Itoa(e.Rank)}
		conn.Edges = append(conn.Edges, &model.RankingEdge{Node: e, Cursor: c})
	}
	if len(conn.Edges) > 0 {
		info.StartCursor, info.EndCursor = &conn.Edges[0].Cursor, &conn.Edges[len(conn.Edges)-1].Cursor
	}
	return conn
}

// derefTime is *t, or the zero time for nil.
func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
