package server

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"

	"github.com/liemchinh/liemchinh/internal/receipt"
)

// jwksHandler publishes the receipts' public keys (RFC 7517), the signing key first and the older
// ones after it: anyone may verify a receipt offline. The set changes only with RECEIPT_KEY, so it
// is cacheable, and readable from any origin.
func jwksHandler(keys *receipt.Keys) http.Handler {
	body := keys.JWKS()
	sum := sha256.Sum256(body)
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/jwk-set+json")
		h.Set("Cache-Control", "public, max-age=3600")
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = w.Write(body)
	})
}
