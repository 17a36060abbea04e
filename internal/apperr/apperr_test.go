package apperr

import (
	"context"
	"fmt"
	"testing"
)

func TestLangFromHeader(t *testing.T) {
	tests := []struct{ header, want string }{
		{"", "vi"},
		{"en", "en"},
		{"en-US,en;q=0.9", "en"},
		{"vi-VN,vi;q=0.9,en;q=0.8", "vi"},
		{"fr-FR, en;q=0.5", "en"},
		{"fr", "vi"},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			if got := LangFromHeader(tt.header); got != tt.want {
				t.Fatalf("LangFromHeader(%q) = %q, want %q", tt.header, got, tt.want)
			}
		})
	}
}

func TestMessageAndAs(t *testing.T) {
	e := Newf(BadUserInput, "tối đa %d", "at most %d", 100).OnField("first")
	wrapped := fmt.Errorf("paginate: %w", e)
	got, ok := As(wrapped)
	if !ok || got.Code != BadUserInput || got.Field[0] != "first" {
		t.Fatalf("As = %+v, %v", got, ok)
	}
	if m := got.Message(context.Background()); m != "tối đa 100" {
		t.Fatalf("default message %q", m)
	}
	if m := got.Message(WithLang(context.Background(), "en")); m != "at most 100" {
		t.Fatalf("english message %q", m)
	}
}
