// Package model holds the GraphQL models gqlgen generates for types that are not ent entities.
package model
