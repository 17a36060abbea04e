package server_test

import (
	"testing"

	"github.com/liemchinh/liemchinh/internal/testutil"
)

// TestOfficialSeesNoReporterText: the official a case is about sees its state and dates, never
// what the citizen wrote (free text often names its author); staff in scope read it whole.
func TestOfficialSeesNoReporterText(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, dia string) {
		db := testutil.Open(t, dia)
		cfg := testutil.Config(t, nil)
		w := testutil.NewWorld(t, db, cfg)
		api := testutil.NewAPI(t, db, cfg)
		caseID := w.A.Records["Case"]
		type view struct {
			Node *struct {
				State, Description string
				Place              *string
			}
			Officials struct {
				Edges []struct {
					Node struct {
						Cases struct {
							Edges []struct{ Node struct{ Description string } }
						}
					}
				}
			}
		}
		q := `query($id: ID!) { node(id: $id) { ... on Case { state description place } }
			officials { edges { node { cases { edges { node { description } } } } } } }`
		read := func(role string) view {
			access, _ := api.Login(t, w.Logins[role], testutil.Password)
			var v view
			api.As(access).Query(t, q, map[string]any{"id": caseID}).Decode(t, &v)
			return v
		}
		off := read("official")
		if off.Node == nil || off.Node.State == "" {
			t.Fatalf("the official cannot see the case about them: %+v", off)
		}
		if off.Node.Description != "" || off.Node.Place != nil {
			t.Fatalf("the official reads what the citizen wrote: %+v", off.Node)
		}
		for _, e := range off.Officials.Edges {
			for _, c := range e.Node.Cases.Edges {
				if c.Node.Description != "" {
					t.Fatalf("through Official.cases the official reads the text: %q", c.Node.Description)
				}
			}
		}
		for _, role := range []string{"provinceSupervisor", "inspector"} {
			if v := read(role); v.Node == nil || v.Node.Description == "" {
				t.Fatalf("%s cannot read the case's description: %+v", role, v.Node)
			}
		}
	})
}
