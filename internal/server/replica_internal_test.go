package server

import (
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/liemchinh/liemchinh/internal/authz"
)

// TestLagTolerantFields: which root fields may read from the replica, by operation and viewer.
func TestLagTolerantFields(t *testing.T) {
	supervisor := authz.Viewer{AccountID: "a", Role: authz.RoleSupervisor}
	official := authz.Viewer{AccountID: "b", Role: authz.RoleOfficial}
	manager := authz.Viewer{AccountID: "c", Role: authz.RoleUnitManager}
	for _, tt := range []struct {
		op    ast.Operation
		field string
		v     authz.Viewer
		want  bool
	}{
		{ast.Query, "progress", official, true},
		{ast.Query, "ranking", supervisor, true},
		{ast.Query, "reviews", manager, true},
		{ast.Query, "pledges", supervisor, true},
		{ast.Query, "pledges", official, false}, // their own, maybe just signed
		{ast.Query, "selfAssessments", manager, false},
		{ast.Query, "cases", supervisor, false}, // handlers act on them
		{ast.Query, "node", supervisor, false},
		{ast.Query, "viewer", supervisor, false},
		{ast.Query, "caseByTracking", authz.Viewer{}, false},
		{ast.Mutation, "progress", supervisor, false},
		{ast.Subscription, "caseEvents", supervisor, false},
	} {
		if got := lagTolerantField(tt.op, tt.field, tt.v); got != tt.want {
			t.Errorf("%s %s as %s: %v, want %v", tt.op, tt.field, tt.v.Role, got, tt.want)
		}
	}
}
