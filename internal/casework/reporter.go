// Package casework owns the rules of citizen cases (DESIGN.md §5); for now, who may read a
// reporter's identity.
package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/ent/citizencase"
	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/audit"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/sealbox"
)

// ReporterIdentity is who submitted a case, as sealed at submission.
type ReporterIdentity struct {
	Name       *string `json:"name,omitempty"`
	Phone      *string `json:"phone,omitempty"`
	NationalID *string `json:"nationalId,omitempty"`
	Address    *string `json:"address,omitempty"`
}

var (
	errNoCase = apperr.New(apperr.NotFound, "Không tìm thấy hồ sơ.", "No such case.").OnField("caseId")
	errReason = apperr.New(apperr.BadUserInput,
		"Quản trị viên phải nêu lý do khi xem danh tính người phản ánh.",
		"An administrator must give a reason to read a reporter's identity.")
)

// RevealReporter returns the identity of a case's reporter to the inspector assigned to the case,
// or to an administrator who gives a reason, and records the read in the audit log first. It
// returns nil for an anonymous case.
func RevealReporter(ctx context.Context, client *ent.Client, box *sealbox.Box, caseID, reason string) (*ReporterIdentity, error) {
	v := authz.FromContext(ctx)
	if v.Anonymous() {
		return nil, authz.ErrUnauthenticated
	}
	// The case must be visible to the viewer under the ordinary rules (scope) first.
	c, err := client.CitizenCase.Query().Where(citizencase.ID(caseID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errNoCase
	} else if err != nil {
		return nil, err
	}
	if err := identifyingRead.authorize(ctx, client, c.ID, reason, "reporter identity read"); err != nil {
		return nil, err
	}
	if c.ReporterIdentity == nil || len(*c.ReporterIdentity) == 0 { // anonymous
		return nil, nil
	}
	plain, err := box.Open(*c.ReporterIdentity, []byte(c.ID))
	if err != nil {
		return nil, fmt.Errorf("open reporter identity of %s: %w", c.ID, err)
	}
	var id ReporterIdentity
	if err := json.Unmarshal(plain, &id); err != nil {
		return nil, fmt.Errorf("decode reporter identity of %s: %w", c.ID, err)
	}
	return &id, nil
}

// readRule is who may read what can identify a case's reporter (DESIGN.md §5): never the person
// concerned; the inspector assigned to the case; an administrator who gives a reason reasonOK
// accepts. Each read is recorded against the case (so the audit log's case filter keeps it from
// the person concerned) before anything is shown.
type readRule struct {
	action     string
	reasonOK   func(string) bool
	errReason  error // an administrator's reason refused
	errRefused error // anyone else
}

// identifyingRead is the rule of caseReporter.
var identifyingRead = readRule{action: "caseReporterRead", reasonOK: func(r string) bool { return r != "" },
	errReason: errReason, errRefused: authz.ErrForbidden}

func (r readRule) authorize(ctx context.Context, client *ent.Client, caseID, reason, summary string) error {
	v := authz.FromContext(ctx)
	if v.Anonymous() {
		return authz.ErrUnauthenticated
	}
	// The person concerned never reads the reporter, whatever their role (recusal).
	if err := authz.RequireNotConcerned(ctx, client, caseID); err != nil {
		return err
	}
	handler, err := client.CitizenCase.Query().Where(citizencase.ID(caseID)).QueryHandler().OnlyID(authz.System(ctx, authz.SysCaseHandler))
	if err != nil && !ent.IsNotFound(err) {
		return err
	}
	reason = strings.TrimSpace(reason)
	switch {
	case handler != "" && handler == v.AccountID:
	case v.Role == authz.RoleAdmin:
		if !r.reasonOK(reason) {
			return r.errReason
		}
	default:
		return r.errRefused
	}
	return audit.Record(ctx, client, audit.Entry{Action: r.action, ObjectType: "Case", ObjectID: caseID,
		Reason: reason, Summary: summary})
}
