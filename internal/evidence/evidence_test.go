package evidence

import (
	"errors"
	"strings"
	"testing"

	"github.com/liemchinh/liemchinh/internal/apperr"
)

// wantUserError fails unless err is a BAD_USER_INPUT user error on field, with both messages.
func wantUserError(t *testing.T, err error, field string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok {
		t.Fatalf("error %v is not an *apperr.Error", err)
	}
	if e.Code != apperr.BadUserInput || !e.User || len(e.Field) != 1 || e.Field[0] != field {
		t.Fatalf("error %+v, want BAD_USER_INPUT user error on %q", e, field)
	}
	if e.VI == "" || e.EN == "" || e.VI == e.EN {
		t.Fatalf("error %+v lacks a message in both languages", e)
	}
}

func TestCheckDeclared(t *testing.T) {
	hash := strings.Repeat("0123456789abcdef", 4)
	l := DefaultLimits()
	tests := []struct {
		name, ct string
		size     int64
		sum      string
		field    string // "" if accepted
	}{
		{"jpeg", "image/jpeg", 1000, hash, ""},
		{"every default type", "video/3gpp", 1, hash, ""},
		{"alias", "image/jpg", 1000, hash, ""},
		{"alias m4a", "audio/x-m4a", 1000, hash, ""},
		{"case and parameters", "Application/PDF; name=x.pdf", 1000, hash, ""},
		{"upper-case hash", "image/png", 1000, strings.ToUpper(hash), ""},
		{"exactly max", "video/mp4", 20 * MiB, hash, ""},
		{"gif", "image/gif", 1000, hash, FieldContentType},
		{"html", "text/html", 1000, hash, FieldContentType},
		{"empty type", "", 1000, hash, FieldContentType},
		{"garbage type", "jpeg", 1000, hash, FieldContentType},
		{"octet-stream", "application/octet-stream", 1000, hash, FieldContentType},
		{"zero size", "image/jpeg", 0, hash, FieldSize},
		{"negative size", "image/jpeg", -5, hash, FieldSize},
		{"too large", "image/jpeg", 20*MiB + 1, hash, FieldSize},
		{"short hash", "image/jpeg", 1000, hash[:63], FieldSHA256},
		{"long hash", "image/jpeg", 1000, hash + "0", FieldSHA256},
		{"non-hex hash", "image/jpeg", 1000, hash[:63] + "g", FieldSHA256},
		{"empty hash", "image/jpeg", 1000, "", FieldSHA256},
		{"type checked first", "image/gif", 0, "", FieldContentType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := l.CheckDeclared(tt.ct, tt.size, tt.sum)
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantUserError(t, err, tt.field)
		})
	}

	narrow := Limits{MaxBytes: 512 * 1024, Types: []string{JPEG, PDF}}
	if err := narrow.CheckDeclared(PNG, 10, hash); err == nil {
		t.Fatal("a type outside the limits was accepted")
	} else if e, _ := apperr.As(err); !strings.Contains(e.EN, "image/jpeg, application/pdf") {
		t.Fatalf("message does not list the accepted types: %q", e.EN)
	}
	err := narrow.CheckDeclared(JPEG, 512*1024+1, hash)
	if e, _ := apperr.As(err); e == nil || !strings.Contains(e.VI, "512 KB") {
		t.Fatalf("too large: %v", err)
	}
}

func TestDefaultLimits(t *testing.T) {
	l := DefaultLimits()
	if l.MaxBytes != 20<<20 || len(l.Types) != 12 {
		t.Fatalf("%+v", l)
	}
	for _, ct := range l.Types {
		if Canonical(ct) != ct {
			t.Errorf("%s is not canonical", ct)
		}
		if _, ok := family[ct]; !ok {
			t.Errorf("%s has no family: Sanitize would refuse it", ct)
		}
	}
}

func TestCanonical(t *testing.T) {
	for in, want := range map[string]string{
		"image/jpeg":                JPEG,
		"IMAGE/JPEG":                JPEG,
		"image/pjpeg":               JPEG,
		"image/heif":                HEIC,
		"audio/x-wav":               WAV,
		"audio/wave":                WAV,
		"audio/mp3":                 MP3,
		"audio/3gpp":                ThreeGP,
		"text/plain; charset=utf-8": "text/plain",
		"":                          "",
		"nonsense":                  "",
		"a/b/c; =":                  "",
	} {
		if got := Canonical(in); got != want {
			t.Errorf("Canonical(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{20 * MiB: "20 MB", MiB + 1: "1024 KB", 512 * 1024: "512 KB", 1000: "1000 B"} {
		if got := humanSize(n); got != want {
			t.Errorf("humanSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestErrorsAreUserErrors(t *testing.T) {
	err := DefaultLimits().CheckDeclared("image/gif", 1, "")
	var e *apperr.Error
	if !errors.As(err, &e) || !e.User {
		t.Fatal("CheckDeclared error is not a user error")
	}
}
