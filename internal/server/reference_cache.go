package server

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/store"
	"github.com/liemchinh/liemchinh/internal/watchcache"
)

// The public reference cache keeps, per process, the answers to anonymous queries that read
// nothing but provinces, districts and units (the public tree a citizen's form or a map loads):
// data everyone may read (authz.PublicTypes), with no viewer filter, so an answer is the same for
// every anonymous client. It is a watchcache.Cache: every commit that changes a province, district
// or unit, on any process, empties it (store.ReferenceChannel), and it is bypassed while the
// notification connection is down. An answer with errors is never kept.
//
// The same answers carry an ETag over GET (persisted queries are GETs), revalidated on every use
// (Cache-Control: no-cache), so a client or a shared cache asks again and gets 304 Not Modified
// while nothing changed: never a stale tree after a change.

// referenceFields are the fields a cacheable query may select, by the type they belong to: the
// scalar fields of provinces, districts and units and the edges among them, their connections,
// and the root lists. Anything else (campaigns, officials, node, viewer, ...) makes a query
// uncacheable: its rows change without a reference notification or depend on the viewer.
// __typename is allowed everywhere.
var referenceFields = map[string][]string{
	"Query": {"provinces", "districts", "units"},
	"Province": {"id", "createdAt", "updatedAt", "code", "name", "kind", "validFrom", "validTo",
		"predecessors", "successor", "districts", "units"},
	"District": {"id", "createdAt", "updatedAt", "code", "name", "kind", "validFrom", "validTo",
		"province", "units"},
	"Unit":               {"id", "createdAt", "updatedAt", "name", "level", "kind", "code", "province", "district", "children", "parent"},
	"ProvinceConnection": {"edges", "pageInfo", "totalCount"},
	"ProvinceEdge":       {"node", "cursor"},
	"DistrictConnection": {"edges", "pageInfo", "totalCount"},
	"DistrictEdge":       {"node", "cursor"},
	"UnitConnection":     {"edges", "pageInfo", "totalCount"},
	"UnitEdge":           {"node", "cursor"},
	"PageInfo":           {"hasNextPage", "hasPreviousPage", "startCursor", "endCursor"},
}

var referenceAllowed = func() map[string]map[string]bool {
	m := map[string]map[string]bool{}
	for typ, fields := range referenceFields {
		m[typ] = map[string]bool{}
		for _, f := range fields {
			m[typ][f] = true
		}
	}
	return m
}()

// referenceCacheTTL bounds how long an answer is trusted without a notification: a backstop for a
// notification connection that died unnoticed, and for writes in raw SQL (seeds) that announce
// nothing.
const referenceCacheTTL = time.Minute

// maxCachedAnswer is the largest answer kept (REFERENCE_CACHE_SIZE of them at most).
const maxCachedAnswer = 256 << 10

type cachedAnswer struct {
	body []byte
	etag string
}

// referenceCache is the cache of a server; nil when REFERENCE_CACHE_SIZE is 0 (answers still get
// their ETag over GET).
type referenceCache = watchcache.Cache[cachedAnswer]

// Watched is what a test awaits of a cache fed by notifications.
type Watched interface {
	WaitUp(up bool, deadline time.Time) bool
	Seen() uint64
	WaitSeen(n uint64, deadline time.Time) bool
	Len() int
}

// ReferenceCache returns the public reference cache, or nil when it is off.
func (d Deps) ReferenceCache() Watched {
	if d.reference == nil {
		return nil
	}
	return d.reference
}

func newReferenceCache(size int) *referenceCache {
	return watchcache.New[cachedAnswer](size, referenceCacheTTL, store.AllReference)
}

// referenceKey returns the cache key of an operation when its answer is public reference data the
// same for every anonymous client: an anonymous query selecting only referenceFields. The key
// covers the document, the operation and the variables (after defaults).
func referenceKey(ctx context.Context, oc *graphql.OperationContext) (string, bool) {
	if oc.Operation == nil || oc.Operation.Operation != ast.Query || !authz.FromContext(ctx).Anonymous() ||
		!referenceOnly(oc.Operation.SelectionSet) {
		return "", false
	}
	vars, err := json.Marshal(oc.Variables) // map keys sorted: one text per set of values
	if err != nil {
		return "", false
	}
	h := sha256.New()
	for _, part := range []string{oc.RawQuery, oc.OperationName, string(vars)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return string(h.Sum(nil)), true
}

func referenceOnly(set ast.SelectionSet) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__typename" {
				continue
			}
			if s.ObjectDefinition == nil || !referenceAllowed[s.ObjectDefinition.Name][s.Name] ||
				!referenceOnly(s.SelectionSet) {
				return false
			}
		case *ast.InlineFragment:
			if !referenceOnly(s.SelectionSet) {
				return false
			}
		case *ast.FragmentSpread:
			if s.Definition == nil || !referenceOnly(s.Definition.SelectionSet) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func newCachedAnswer(body []byte) cachedAnswer {
	sum := sha256.Sum256(body)
	return cachedAnswer{body: body, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`}
}

// writeAnswer writes a public reference answer; over GET with its validators, and 304 without a
// body when the client holds it already.
func writeAnswer(w http.ResponseWriter, r *http.Request, a cachedAnswer) {
	if r.Method == http.MethodGet {
		h := w.Header()
		h.Set("ETag", a.etag)
		h.Set("Cache-Control", "public, no-cache")
		h.Add("Vary", "Accept, Authorization")
		if etagMatches(r.Header.Get("If-None-Match"), a.etag) {
			h.Del("Content-Type")
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(a.body)
}

// etagMatches is If-None-Match's weak comparison (RFC 9110 13.1.2) against one strong tag.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}
