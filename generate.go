// Package liemchinh is the module root; it only drives code generation, in order: ent (with
// entgql, which writes graph/ent.graphql), then gqlgen over the whole GraphQL schema
// (internal/tools/gqlgen: gqlgen itself, then two calls of its executor pointed at our own).
package liemchinh

//go:generate go run ./ent/entc.go ./ent/describe.go
//go:generate go run ./internal/tools/gqlgen
//go:generate go run ./internal/tools/printschema -o graph/schema.graphql
