package authz

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Purpose is a declared reason for the server to act past the viewer's own rights, and what it
// may do for it: the types it reads past the viewer filters and the types it writes. Every
// purpose is declared once, in purposes.go.
type Purpose struct {
	name, reason  string
	reads, writes []string
	every         bool
}

// Name is the purpose's name, as errors and the list of uses print it.
func (p *Purpose) Name() string { return p.name }

// Reason says why the purpose exists.
func (p *Purpose) Reason() string { return p.reason }

// Reads reports whether the purpose reads typ past the viewer filters.
func (p *Purpose) Reads(typ string) bool {
	return p != nil && (p.every || slices.Contains(p.reads, typ))
}

// Writes reports whether the purpose writes typ.
func (p *Purpose) Writes(typ string) bool {
	return p != nil && (p.every || slices.Contains(p.writes, typ))
}

func (p *Purpose) String() string { return p.name }

// A purposeOption fills a declaration: reads, writes or everyType.
type purposeOption func(*Purpose)

func reads(types ...string) purposeOption {
	return func(p *Purpose) { p.reads = append(p.reads, types...) }
}
func writes(types ...string) purposeOption {
	return func(p *Purpose) { p.writes = append(p.writes, types...) }
}
func everyType(p *Purpose) { p.every = true }

var declared []*Purpose

// declare makes a purpose (at package initialization, in purposes.go only).
func declare(name, reason string, opts ...purposeOption) *Purpose {
	p := &Purpose{name: name, reason: reason}
	for _, o := range opts {
		o(p)
	}
	declared = append(declared, p)
	return p
}

// Purposes returns every declared purpose, in declaration order.
func Purposes() []*Purpose { return slices.Clone(declared) }

type systemKey struct{}

// System returns a context for the server's own work for purpose: reads of the purpose's types
// pass the viewer filters (other types keep them) and writes of its types pass the write guard.
// It replaces any purpose ctx had. Enter it for the one operation that needs it, not for a
// request's whole path.
//
// SysSeed is refused in a request's context (one with a client address or a signed-in viewer): it
// then reads nothing past the viewer filters and writes nothing, and the guard's error says so.
func System(ctx context.Context, purpose *Purpose) context.Context {
	if purpose == nil {
		panic("authz: System without a purpose")
	}
	if purpose == SysSeed && (ClientIP(ctx) != "" || !FromContext(ctx).Anonymous()) {
		purpose = &Purpose{name: purpose.name + " (refused in a request)", reason: purpose.reason}
	}
	return context.WithValue(ctx, systemKey{}, purpose)
}

// purposeOf returns the purpose ctx acts for, or nil.
func purposeOf(ctx context.Context) *Purpose {
	p, _ := ctx.Value(systemKey{}).(*Purpose)
	return p
}

// SystemReads reports whether ctx reads typ past the viewer filters (its purpose reads typ).
func SystemReads(ctx context.Context, typ string) bool { return purposeOf(ctx).Reads(typ) }

// WriteRefused is the guard's error for a write that ctx's purpose and grant do not cover: a
// bug in the server (an undeclared write), so it is not the client's to read.
type WriteRefused struct {
	Type    string // the mutation's type
	Purpose string // "" without one
	Action  string // the granted action, "" without one
}

func (e *WriteRefused) Error() string {
	var by []string
	if e.Purpose != "" {
		by = append(by, fmt.Sprintf("purpose %s", e.Purpose))
	}
	if e.Action != "" {
		by = append(by, fmt.Sprintf("grant %q", e.Action))
	}
	return fmt.Sprintf("authz: write of %s refused: not declared by %s", e.Type, strings.Join(by, " or "))
}
