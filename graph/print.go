package graph

import (
	"bytes"

	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/liemchinh/liemchinh/graph/generated"
)

// PrintSchema returns the whole GraphQL schema as SDL: what clients rely on, committed as
// graph/schema.graphql and compared by a test, so that every change to it is reviewed.
func PrintSchema() string {
	var buf bytes.Buffer
	es := generated.NewExecutableSchema(generated.Config{})
	formatter.NewFormatter(&buf, formatter.WithIndent("  ")).FormatSchema(es.Schema())
	return buf.String()
}
