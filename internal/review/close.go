package review

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/district"
	"github.com/liemchinh/liemchinh/ent/province"
	"github.com/liemchinh/liemchinh/ent/review"
	"github.com/liemchinh/liemchinh/ent/unit"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/audit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/idempotency"
	"github.com/liemchinh/liemchinh/internal/pid"
	"github.com/liemchinh/liemchinh/internal/progress"
	"github.com/liemchinh/liemchinh/internal/store"
)

const opClose = "reviewClose"

var (
	errReasonRequired = apperr.New(apperr.BadUserInput,
		"Phạm vi và năm này đã được chốt sơ kết; cần nêu lý do để chốt lại.",
		"A review of this scope and year is already closed; give a reason to close it again.").OnField("reason")
	errReasonLong = apperr.New(apperr.BadUserInput, "Lý do dài quá 2000 ký tự.",
		"The reason is longer than 2000 characters.").OnField("reason")
	errRace = apperr.New(apperr.Conflict,
		"Một phiên bản sơ kết khác của phạm vi và năm này vừa được chốt; vui lòng thử lại.",
		"Another version of this review was closed at the same time; please try again.").ForUser()
	errNoScope = apperr.New(apperr.NotFound, "Không tìm thấy phạm vi.", "No such scope.").OnField("scope")
)

// Close closes the annual review of a scope's year: its figures (progress.Figures) are frozen in
// a new Review whose version is one more than the last. Supervisors and administrators whose
// scope holds the scope may close; from version 2 on a reason is required. Reviews are never
// changed afterwards. A retry with the same idempotency key returns the first result.
func (s *Service) Close(ctx context.Context, scope authz.Scope, year int, reason, key string) (*ent.Review, error) {
	v, err := signedIn(ctx)
	if err != nil {
		return nil, err
	}
	if v.Role != authz.RoleSupervisor && v.Role != authz.RoleAdmin {
		return nil, authz.ErrForbidden
	}
	if err := s.cover(ctx, scope); err != nil {
		return nil, err
	}
	if err := s.progress.CheckYear(year, "year"); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 2000 {
		return nil, errReasonLong
	}
	var out *ent.Review
	err = store.InTx(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		var err error
		out, err = idempotency.Do(ctx, tx, key, []any{scope, year, reason},
			audit.Entry{Action: opClose, ObjectType: "Review", Reason: reason,
				Summary: fmt.Sprintf("%s %s %d", scope.Kind, scope.ID, year)}, []string{ent.TypeReview},
			tx.Review.Get, func(ctx context.Context) (*ent.Review, string, error) {
				r, err := s.close(ctx, tx, v, scope, year, reason)
				if err != nil {
					return nil, "", err
				}
				return r, r.ID, nil
			})
		return err
	})
	return out, err
}

// close writes the next version. The version is the last one plus one; a concurrent close that
// took it first makes the insert do nothing (unique index on scope, year and version), and the
// version is read again once before giving up with CONFLICT.
func (s *Service) close(ctx context.Context, tx *ent.Client, v authz.Viewer, scope authz.Scope, year int, reason string) (*ent.Review, error) {
	sys := authz.System(ctx, authz.SysReviewVersion)
	ids, err := placeOf(ctx, tx, scope)
	if err != nil {
		return nil, err
	}
	rep, err := s.progress.Figures(ctx, scope, year)
	if err != nil {
		return nil, err
	}
	name := rep.Scope.Name
	if name == "" {
		ref, err := s.progress.Ref(ctx, scope)
		if err != nil {
			return nil, err
		}
		name = ref.Name
	}
	figures, err := json.Marshal(rep)
	if err != nil {
		return nil, err
	}
	kind := review.ScopeKind(scope.Kind)
	for range 2 {
		last, err := tx.Review.Query().Where(review.ScopeKindEQ(kind), review.ScopeID(scope.ID), review.Year(year)).
			Order(ent.Desc(review.FieldVersion)).First(sys)
		version := 1
		switch {
		case ent.IsNotFound(err):
		case err != nil:
			return nil, err
		default:
			version = last.Version + 1
		}
		if version > 1 && reason == "" {
			return nil, errReasonRequired
		}
		id := pid.New(pid.Review)
		c := tx.Review.Create().SetID(id).SetScopeKind(kind).SetScopeID(scope.ID).SetScopeName(name).
			SetYear(year).SetVersion(version).SetClosedAt(s.now()).SetFigures(figures).SetClosedByID(v.AccountID)
		if reason != "" {
			c.SetReason(reason)
		}
		if ids.unit != "" {
			c.SetUnitID(ids.unit)
		}
		if ids.district != "" {
			c.SetDistrictID(ids.district)
		}
		if ids.province != "" {
			c.SetProvinceID(ids.province)
		}
		err = c.OnConflictColumns(review.FieldScopeKind, review.FieldScopeID, review.FieldYear, review.FieldVersion).
			DoNothing().Exec(ctx)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		r, err := tx.Review.Query().Where(review.ID(id)).Only(sys)
		if ent.IsNotFound(err) {
			continue // the version was taken meanwhile
		}
		return r, err
	}
	return nil, errRace
}

// place is where a scope lies, as the review's filter columns hold it.
type place struct{ unit, district, province string }

// placeOf finds the province (and unit or district) of a scope; NOT_FOUND for an unknown id.
func placeOf(ctx context.Context, tx *ent.Client, scope authz.Scope) (place, error) {
	var (
		p   place
		err error
	)
	switch scope.Kind {
	case authz.ScopeNation:
		return p, nil
	case authz.ScopeUnit:
		p.unit = scope.ID
		p.province, err = tx.Unit.Query().Where(unit.ID(scope.ID)).QueryProvince().OnlyID(ctx)
	case authz.ScopeDistrict:
		p.district = scope.ID
		p.province, err = tx.District.Query().Where(district.ID(scope.ID)).QueryProvince().OnlyID(ctx)
	case authz.ScopeProvince:
		p.province, err = tx.Province.Query().Where(province.ID(scope.ID)).OnlyID(ctx)
	default:
		return p, errNoScope
	}
	if ent.IsNotFound(err) {
		return p, errNoScope
	}
	return p, err
}

// Get returns a review the viewer may read, or NOT_FOUND.
func (s *Service) Get(ctx context.Context, id string) (*ent.Review, error) {
	if _, err := signedIn(ctx); err != nil {
		return nil, err
	}
	r, err := s.db(ctx).Review.Query().Where(review.ID(id)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errNoReview
	}
	return r, err
}

var errNoReview = apperr.New(apperr.NotFound, "Không tìm thấy bản sơ kết.", "No such review.").OnField("reviewId")

// Figures decodes the figures a review froze.
func Figures(r *ent.Review) (*progress.Report, error) {
	var rep progress.Report
	if err := json.Unmarshal(r.Figures, &rep); err != nil {
		return nil, fmt.Errorf("review %s: figures: %w", r.ID, err)
	}
	return &rep, nil
}

// FiguresFor is the figures a review froze as the viewer may read them: without the case figures
// when they count a case about the viewer's own official that was hidden from them (DESIGN.md §5).
func (s *Service) FiguresFor(ctx context.Context, r *ent.Review) (*progress.Report, error) {
	rep, err := Figures(r)
	if err != nil || rep.Cases == nil {
		return rep, err
	}
	concerned, err := s.progress.Concerned(ctx, ScopeOf(r).Scope(), r.Year, r.ClosedAt)
	if err != nil {
		return nil, err
	}
	if concerned {
		rep.Cases = nil
	}
	return rep, nil
}

// ScopeOf names the scope a review covers, as it was named when closed.
func ScopeOf(r *ent.Review) progress.ScopeRef {
	ref := progress.ScopeRef{Kind: authz.ScopeKind(r.ScopeKind), Name: r.ScopeName}
	if r.ScopeKind != review.ScopeKindNATION && r.ScopeID != "" {
		id := r.ScopeID
		ref.ID = &id
	}
	return ref
}
