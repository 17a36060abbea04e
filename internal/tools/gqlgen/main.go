// Command gqlgen runs gqlgen's code generation (github.com/99designs/gqlgen/api, at the version
// pinned in go.mod, with gqlgen.yml) and then points two of the generated executor's calls at
// graph/generated/execution.go, which does the same work for less:
//
//   - graphql.MarshalSliceConcurrently starts a goroutine for every element of every list; each
//     starts on a small stack and grows it through the whole field resolution below it (13% of the
//     CPU of the nested read). Our nested edges are loaded ahead by field collection, so the
//     elements are marshalled in the calling goroutine, in order (marshalSlice).
//   - graphql.NewDeferredGroup computes the object's response path for every object of the answer,
//     in case a field of it is @defer'd (another 13%). newDeferredGroup computes it only for an
//     object that has a deferred field.
//
// gqlgen's templates are used as shipped; the calls are rewritten in the generated file, and
// generation fails if either is missing (a gqlgen upgrade that changed them must be looked at).
package main

import (
	"bytes"
	"fmt"
	"log"
	"os"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen/config"
)

var rewrites = []struct{ from, to string }{
	{"graphql.MarshalSliceConcurrently(ctx, ", "marshalSlice(ctx, "},
	{"deferred := graphql.NewDeferredGroup(ctx)", "deferred := newDeferredGroup(ctx, fields)"},
}

func main() {
	cfg, err := config.LoadConfigFromDefaultLocations()
	if err != nil {
		log.Fatalf("gqlgen: loading the config: %v", err)
	}
	if err := api.Generate(cfg); err != nil {
		log.Fatalf("gqlgen: generating: %v", err)
	}
	if err := rewrite(cfg.Exec.Filename); err != nil {
		log.Fatalf("gqlgen: %v", err)
	}
}

func rewrite(file string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	for _, r := range rewrites {
		n := bytes.Count(b, []byte(r.from))
		if n == 0 {
			return fmt.Errorf("%s has no %q to rewrite: look at what gqlgen generates now", file, r.from)
		}
		b = bytes.ReplaceAll(b, []byte(r.from), []byte(r.to))
	}
	return os.WriteFile(file, b, 0o644)
}
