package auth

import (
	"encoding/json"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/internal/apperr"
)

// ProvisionResult is what accountsProvision answers: the run it queued, or why not.
type ProvisionResult struct {
	Provisioning *ent.AccountProvisioning
	UserErrors   []*apperr.UserError
}

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
