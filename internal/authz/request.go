package authz

import "context"

type clientIPKey struct{}

// WithClientIP returns a context carrying the address a request came from (for throttling and
// the audit log).
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

// ClientIP returns the request's client address, or "".
func ClientIP(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey{}).(string)
	return ip
}
