// Package graph is the GraphQL layer: the hand-written SDL under schema/, the schema entgql
// generates (ent.graphql), gqlgen's generated executor, and thin resolvers that adapt GraphQL to the
// domain packages under internal/.
package graph

import (
	"github.com/99designs/gqlgen/graphql"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/graph/generated"
)

// Resolver is the dependency root of the GraphQL layer.
type Resolver struct {
	client *ent.Client
}

// NewSchema returns the executable schema over the given ent client.
func NewSchema(client *ent.Client) graphql.ExecutableSchema {
	return generated.NewExecutableSchema(generated.Config{
		Resolvers: &Resolver{client: client},
	})
}
