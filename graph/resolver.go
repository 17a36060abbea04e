// Package graph is the GraphQL layer: the hand-written SDL under schema/, the schema entgql
// generates (ent.graphql), gqlgen's generated executor, and thin resolvers that adapt GraphQL to the
// domain packages under internal/.
package graph

import (
	"github.com/99designs/gqlgen/graphql"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/graph/generated"
	"github.com/liemchinh/liemchinh/internal/auth"
	"github.com/liemchinh/liemchinh/internal/casework"
	"github.com/liemchinh/liemchinh/internal/notify"
	"github.com/liemchinh/liemchinh/internal/open311"
	"github.com/liemchinh/liemchinh/internal/orgchart"
	"github.com/liemchinh/liemchinh/internal/progress"
	"github.com/liemchinh/liemchinh/internal/recognition"
	"github.com/liemchinh/liemchinh/internal/review"
	"github.com/liemchinh/liemchinh/internal/roster"
	"github.com/liemchinh/liemchinh/internal/sealbox"
	"github.com/liemchinh/liemchinh/internal/selfreport"
)

// Resolver is the dependency root of the GraphQL layer.
type Resolver struct {
	client *ent.Client
	auth   *auth.Service
	box    *sealbox.Box
	self   *selfreport.Service
	cases  *casework.Service
	prog   *progress.Service
	recog  *recognition.Service
	review *review.Service
	open   *open311.Service
	org    *orgchart.Service
	roster *roster.Service
	notify *notify.Service
}

// Deps are what the resolvers need.
type Deps struct {
	Client *ent.Client
	Auth   *auth.Service
	Box    *sealbox.Box // opens reporters' identities
	Self   *selfreport.Service
	Cases  *casework.Service
	// Progress answers progress, rankings and series.
	Progress *progress.Service
	// Recognition handles commendations and inspections.
	Recognition *recognition.Service
	// Reviews closes annual reviews and makes exports.
	Reviews *review.Service
	// Open311 issues and revokes partner apps' api_keys.
	Open311 *open311.Service
	// OrgChart changes units and officials; Roster imports rosters.
	OrgChart *orgchart.Service
	Roster   *roster.Service
	// Notify holds devices, the inbox and the job queue's figures.
	Notify *notify.Service
}

// NewSchema returns the executable schema.
func NewSchema(d Deps) graphql.ExecutableSchema {
	return generated.NewExecutableSchema(generated.Config{
		Resolvers: &Resolver{client: d.Client, auth: d.Auth, box: d.Box, self: d.Self, cases: d.Cases,
			prog: d.Progress, recog: d.Recognition, review: d.Reviews, open: d.Open311, org: d.OrgChart, roster: d.Roster, notify: d.Notify},
	})
}
