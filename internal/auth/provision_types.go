package auth

import (
	"context"
	"encoding/json"
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/internal/apperr"
)

// ProvisionResult is what accountsProvision answers: the run it queued, or why not.
type ProvisionResult struct {
	Provisioning *ent.AccountProvisioning
	UserErrors   []*apperr.UserError
}

// The fields accountsProvision answered before it queued a run (deprecated in the schema): the
// run as it stands when the mutation answers.

// Created is the accounts the run has created.
func (r *ProvisionResult) Created() int {
	if r.Provisioning == nil {
		return 0
	}
	return r.Provisioning.Created
}

// Sent is the codes the run has queued to phones or e-mails.
func (r *ProvisionResult) Sent() int {
	if r.Provisioning == nil {
		return 0
	}
	return r.Provisioning.Sent
}

// Sheets is the sheets the run has made.
func (r *ProvisionResult) Sheets(ctx context.Context) ([]*ent.ActivationSheet, error) {
	if r.Provisioning == nil {
		return []*ent.ActivationSheet{}, nil
	}
	return r.Provisioning.QuerySheets().All(ctx)
}

// Skipped is the officials the run has left without an account.
func (r *ProvisionResult) Skipped() []*ProvisionSkip {
	if r.Provisioning == nil {
		return []*ProvisionSkip{}
	}
	return Skipped(r.Provisioning)
}

// ExpiresAt is none: each batch's codes expire on their own.
func (r *ProvisionResult) ExpiresAt() *time.Time { return nil }

// ProvisionSkip is an official left without an account, and why.
type ProvisionSkip struct {
	EmployeeCode string `json:"e"`
	Code         string `json:"c"`
}

// Skipped is the first officials the run left without an account.
func Skipped(r *ent.AccountProvisioning) []*ProvisionSkip {
	out := []*ProvisionSkip{}
	_ = json.Unmarshal(r.SkippedList, &out)
	return out
}
