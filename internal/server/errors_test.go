package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/liemchinh/liemchinh/ent"
	"github.com/liemchinh/liemchinh/internal/apperr"
)

func TestErrorPresenter(t *testing.T) {
	secret := "pq: password authentication failed for user \"postgres\" at 10.0.0.5"
	tests := []struct {
		name     string
		err      error
		code     string
		message  string
		leaks    bool // whether the raw text may be shown
		logLines int
	}{
		{"coded", apperr.New(apperr.Forbidden, "Cấm.", "Forbidden."), "FORBIDDEN", "Cấm.", false, 0},
		{"coded wrapped by gqlgen", graphql.ErrorOnPath(context.Background(), fmt.Errorf("x: %w", apperr.New(apperr.Conflict, "Trùng.", "Dup."))), "CONFLICT", "Trùng.", false, 0},
		{"not found", &ent.NotFoundError{}, "NOT_FOUND", "Không tìm thấy đối tượng.", false, 0},
		{"internal", errors.New(secret), "INTERNAL_SERVER_ERROR", "Đã có lỗi", false, 1},
		{"internal wrapped by gqlgen", graphql.ErrorOnPath(context.Background(), errors.New(secret)), "INTERNAL_SERVER_ERROR", "Đã có lỗi", false, 1},
		{"internal inside a gqlerror", &gqlerror.Error{Message: secret, Err: errors.New(secret), Path: ast.Path{ast.PathName("login")}}, "INTERNAL_SERVER_ERROR", "Đã có lỗi", false, 1},
		{"request error", gqlerror.Errorf("Passing both `first` and `last` to paginate a connection is not supported."), "BAD_USER_INPUT", "Passing both", true, 0},
		{"request error with code", &gqlerror.Error{Message: "unknown hash", Extensions: map[string]any{"code": "PERSISTED_QUERY_NOT_FOUND"}}, "PERSISTED_QUERY_NOT_FOUND", "unknown hash", true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			present := errorPresenter(slog.New(slog.NewJSONHandler(&logs, nil)))
			got := present(context.Background(), tt.err)
			if got.Extensions["code"] != tt.code || !strings.HasPrefix(got.Message, tt.message) {
				t.Fatalf("got %q %v, want %s %q", got.Message, got.Extensions, tt.code, tt.message)
			}
			if strings.Contains(got.Message, "password authentication") {
				t.Fatalf("internal detail reached the client: %q", got.Message)
			}
			if n := strings.Count(logs.String(), "\\n") + strings.Count(logs.String(), "\n"); (n > 0) != (tt.logLines > 0) {
				t.Fatalf("logged %d lines, want %d: %s", n, tt.logLines, logs.String())
			}
		})
	}
}

// An argument that fails to convert during execution has a path below its field: it is the
// client's input (BAD_USER_INPUT, not logged); a resolver's error at the field itself is not.
func TestErrorPresenterArguments(t *testing.T) {
	fc := &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: "provinces"}}}
	ctx := graphql.WithFieldContext(context.Background(), fc)
	for _, tt := range []struct {
		path ast.Path
		code string
	}{
		{ast.Path{ast.PathName("provinces"), ast.PathName("where"), ast.PathName("x")}, "BAD_USER_INPUT"},
		{ast.Path{ast.PathName("provinces")}, "INTERNAL_SERVER_ERROR"},
		{ast.Path{ast.PathName("other"), ast.PathName("where")}, "INTERNAL_SERVER_ERROR"},
	} {
		var logs bytes.Buffer
		got := errorPresenter(slog.New(slog.NewJSONHandler(&logs, nil)))(ctx,
			&gqlerror.Error{Message: "x is not valid", Err: errors.New("x is not valid"), Path: tt.path})
		if got.Extensions["code"] != tt.code || (logs.Len() > 0) != (tt.code == "INTERNAL_SERVER_ERROR") {
			t.Errorf("%v: got %s %v, logged %q", tt.path, got.Message, got.Extensions, logs.String())
		}
	}
}

// TestFileErrorPastDeadline: an upload or download that ran out of its request's time (a
// conversion waiting for its turn) answers 503 TIMEOUT, not 500 INTERNAL.
func TestFileErrorPastDeadline(t *testing.T) {
	for _, tt := range []struct {
		err    error
		status int
		code   string
	}{
		{fmt.Errorf("evidence: converting a HEIC photo: %w", context.DeadlineExceeded), http.StatusServiceUnavailable, apperr.Timeout},
		{errors.New("disk on fire"), http.StatusInternalServerError, apperr.Internal},
	} {
		w := httptest.NewRecorder()
		writeFileError(w, httptest.NewRequest(http.MethodPut, "/uploads/x", nil), slog.New(slog.DiscardHandler), "upload", tt.err, http.StatusBadRequest)
		var out struct{ Error struct{ Code string } }
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		if w.Code != tt.status || out.Error.Code != tt.code {
			t.Errorf("%v: %d %s, want %d %s", tt.err, w.Code, out.Error.Code, tt.status, tt.code)
		}
	}
}
