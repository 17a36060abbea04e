package auth

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/liemchinh/liemchinh/internal/apperr"
	"github.com/liemchinh/liemchinh/internal/authz"
	"github.com/liemchinh/liemchinh/internal/logging"
)

// CloseForbidden is the WebSocket close code for a connection whose token is refused.
const CloseForbidden = 4403

// Middleware puts the viewer of the request's bearer token (or an anonymous one) and the client
// address into the context. A token that does not verify is answered UNAUTHENTICATED at once,
// so a client knows to refresh rather than silently seeing the public surface.
func (s *Service) Middleware(proxyHops int, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := authz.WithClientIP(r.Context(), clientIP(r, proxyHops))
		if h := r.Header.Get("Authorization"); h != "" {
			token, ok := bearer(h)
			if !ok {
				writeError(w, r, ErrSessionExpired)
				return
			}
			v, err := s.Authenticate(ctx, token)
			if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
				err = apperr.ErrTimeout
			}
			if err != nil {
				if _, coded := apperr.As(err); !coded {
					s.log.ErrorContext(ctx, "authenticate", "error", err.Error())
					err = apperr.New(apperr.Internal, "Lỗi máy chủ.", "Server error.")
				}
				writeError(w, r, err)
				return
			}
			ctx = authz.WithViewer(ctx, v)
			ctx = logging.With(ctx, slog.String("viewer_id", v.AccountID))
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// WebsocketInit reads the token from the connection_init payload {"authorization": "Bearer ..."};
// a refused token closes the socket with 4403.
func (s *Service) WebsocketInit(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	h, _ := payload["authorization"].(string)
	if h == "" {
		h = payload.Authorization()
	}
	if h == "" {
		return ctx, nil, nil
	}
	token, ok := bearer(h)
	v, err := authz.Viewer{}, error(ErrSessionExpired)
	if ok {
		v, err = s.Authenticate(ctx, token)
	}
	if err != nil {
		ctx = transport.WithWebsocketCloseCode(ctx, CloseForbidden)
		msg := ErrSessionExpired.Message(ctx)
		return ctx, nil, &wsError{msg}
	}
	ctx = authz.WithViewer(ctx, v)
	ctx = authz.WithRecheck(ctx, func(ctx context.Context) error {
		_, err := s.Authenticate(ctx, token)
		return err
	})
	return logging.With(ctx, slog.String("viewer_id", v.AccountID)), nil, nil
}

type wsError struct{ msg string }

func (e *wsError) Error() string { return e.msg }

func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// clientIP is the address of the client: behind proxyHops proxies that each append the address
// they received from to X-Forwarded-For (TRUST_PROXY), the entry the outermost of them appended,
// proxyHops from the right; else the connection's peer. Entries further left are whatever the
// client sent, and trusting them would let it pick a new address for every throttled attempt. A
// request with fewer entries than hops (it reached an inner proxy directly) gets the leftmost.
func clientIP(r *http.Request, proxyHops int) string {
	if proxyHops > 0 {
		var list []string
		for _, v := range r.Header.Values("X-Forwarded-For") {
			for _, a := range strings.Split(v, ",") {
				list = append(list, strings.TrimSpace(a))
			}
		}
		if len(list) > 0 {
			if ip := net.ParseIP(list[max(len(list)-proxyHops, 0)]); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func writeError(w http.ResponseWriter, r *http.Request, err error) {
	e, _ := apperr.As(err)
	status := apperr.HTTPStatus(e.Code, http.StatusUnauthorized)
	w.Header().Set("Content-Type", "application/json")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{
		"message": e.Message(r.Context()), "extensions": map[string]any{"code": e.Code},
	}}})
}
