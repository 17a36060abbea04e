// Command printschema writes the full GraphQL schema (graph.PrintSchema) to a file; go generate
// runs it after gqlgen.
package main

import (
	"flag"
	"log"
	"os"

	"github.com/liemchinh/liemchinh/graph"
)

func main() {
	out := flag.String("o", "graph/schema.graphql", "file to write")
	flag.Parse()
	if err := os.WriteFile(*out, []byte(graph.PrintSchema()), 0o644); err != nil {
		log.Fatal(err)
	}
}
