package auth

import (
	"time"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/internal/apperr"
)

// ProvisionResult is what accountsProvision did.
type ProvisionResult struct {
	Created    int
	Sent       int
	Sheets     []*ent.ActivationSheet
	Skipped    []*ProvisionSkip
	ExpiresAt  *time.Time
	UserErrors []*apperr.UserError
}

// ProvisionSkip is an official left without an account, and why.
type ProvisionSkip struct {
	EmployeeCode string
	Code         string
}
