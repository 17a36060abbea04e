// Package evidence checks and cleans the files citizens attach to cases: a declared upload is
// checked before it is sent (CheckDeclared), and the bytes received are sniffed, hashed and
// stripped of location and identifying metadata before they are stored (Limits.Sanitize), or
// marked as not sanitized where that cannot be done.
//
// The package is pure: it reads what it is given and touches no storage.
package evidence

import (
	"fmt"
	"mime"
	"slices"
	"strings"

	"github.com/liemchinh/liemchinh/internal/apperr"
)

// Content types the package knows, in canonical form.
const (
	JPEG      = "image/jpeg"
	PNG       = "image/png"
	WebP      = "image/webp"
	HEIC      = "image/heic"
	PDF       = "application/pdf"
	MP3       = "audio/mpeg"
	M4A       = "audio/mp4"
	AAC       = "audio/aac"
	WAV       = "audio/wav"
	MP4       = "video/mp4"
	QuickTime = "video/quicktime"
	ThreeGP   = "video/3gpp"
)

// Input field names the errors carry (apperr.Error.Field). A caller whose input nests them can
// re-path an error with OnField.
const (
	FieldContentType = "contentType"
	FieldSize        = "size"
	FieldSHA256      = "sha256"
	FieldFile        = "file"
)

// MiB is 2^20 bytes.
const MiB = 1 << 20

// family groups the types whose mutual confusion is harmless: Sanitize refuses a file whose sniffed
// type is in another family than its declared type. Audio and video share one family because one
// container (MP4/3GP) carries both and its brand does not reliably tell them apart (an audio-only
// recording often says "isom" or "mp42", like a video).
var family = map[string]string{
	JPEG: "image", PNG: "image", WebP: "image", HEIC: "image",
	PDF: "document",
	MP3: "media", M4A: "media", AAC: "media", WAV: "media",
	MP4: "media", QuickTime: "media", ThreeGP: "media",
}

// aliases maps the other names clients (browsers, Android, iOS) give to the known types.
var aliases = map[string]string{
	"image/jpg":           JPEG,
	"image/pjpeg":         JPEG,
	"image/x-png":         PNG,
	"image/heif":          HEIC,
	"image/heic-sequence": HEIC,
	"image/heif-sequence": HEIC,
	"application/x-pdf":   PDF,
	"audio/mp3":           MP3,
	"audio/x-mp3":         MP3,
	"audio/mpeg3":         MP3,
	"audio/x-mpeg":        MP3,
	"audio/x-m4a":         M4A,
	"audio/m4a":           M4A,
	"audio/x-aac":         AAC,
	"audio/aacp":          AAC,
	"audio/x-wav":         WAV,
	"audio/wave":          WAV,
	"audio/vnd.wave":      WAV,
	"audio/x-pn-wav":      WAV,
	"audio/3gpp":          ThreeGP,
	"video/x-m4v":         MP4,
}

// Canonical returns contentType lower-cased, without parameters, and with known aliases replaced
// by the canonical name ("image/jpg" -> "image/jpeg", "audio/x-m4a" -> "audio/mp4"). It returns ""
// for a value that is not a media type. Store the canonical form.
func Canonical(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.Contains(mt, "/") {
		return ""
	}
	if a, ok := aliases[mt]; ok {
		return a
	}
	return mt
}

// Limits says which evidence files are accepted.
type Limits struct {
	MaxBytes  int64    // largest file accepted
	Types     []string // accepted content types, canonical (see Canonical)
	MaxPixels int64    // largest HEIC photo converted to JPEG, in pixels; 0: DefaultMaxPixels
	// MaxInflated bounds what a PDF's compressed streams may expand to, in all, before it is
	// rewritten; 0: DefaultMaxInflated. A PDF beyond it is kept as it came, not sanitized.
	MaxInflated int64
}

// DefaultMaxInflated is 256 MiB of decompressed streams: ordinary PDFs compress text and vector
// graphics about 3 to 10 times (a 20 MiB scan holds mostly JPEGs, which are not inflated); a
// compression bomb (1,000 times) is stopped there instead of being expanded in memory.
const DefaultMaxInflated = 256 * MiB

// DefaultMaxPixels is 25 megapixels: phones' usual photos (12 MP, 24 MP: 5712x4284) are
// converted; a 48 MP photo would take about 1.5 GB to convert, and is kept as it came.
const DefaultMaxPixels = 25_000_000

// DefaultLimits returns the product's limits: 20 MiB; photos (JPEG, PNG, WebP, HEIC), PDF, audio
// (MP3, M4A, AAC, WAV) and video (MP4, QuickTime, 3GP); HEIC photos up to 25 megapixels converted.
func DefaultLimits() Limits {
	return Limits{
		MaxBytes:  20 * MiB,
		Types:     []string{JPEG, PNG, WebP, HEIC, PDF, MP3, M4A, AAC, WAV, MP4, QuickTime, ThreeGP},
		MaxPixels: DefaultMaxPixels,
	}
}

func (l Limits) maxInflated() int64 {
	if l.MaxInflated > 0 {
		return l.MaxInflated
	}
	return DefaultMaxInflated
}

func (l Limits) maxPixels() int64 {
	if l.MaxPixels > 0 {
		return l.MaxPixels
	}
	return DefaultMaxPixels
}

// Allows reports whether the limits accept contentType (in any form Canonical understands). Check the
// type Sanitize sniffed with it too: Sanitize accepts any known type of the declared type's family.
func (l Limits) Allows(contentType string) bool {
	ct := Canonical(contentType)
	if ct == "" {
		return false
	}
	for _, t := range l.Types {
		if Canonical(t) == ct {
			return true
		}
	}
	return false
}

// CheckDeclared checks an upload as the client declares it, before it is sent: the type is
// accepted, the size is 1..MaxBytes and sha256hex is 64 hexadecimal digits (either case; compare it
// with Sanitize's lower-case sum using strings.EqualFold). The error, if any, is the first problem
// found, an *apperr.Error with code BAD_USER_INPUT on field contentType, size or sha256.
func (l Limits) CheckDeclared(contentType string, size int64, sha256hex string) error {
	if err := l.CheckType(contentType); err != nil {
		return err
	}
	if err := l.checkSize(size); err != nil {
		return err
	}
	if !isHex64(sha256hex) {
		return apperr.New(apperr.BadUserInput,
			"Mã băm SHA-256 phải gồm đúng 64 chữ số thập lục phân.",
			"The SHA-256 hash must be exactly 64 hexadecimal digits.").OnField(FieldSHA256)
	}
	return nil
}

// CheckType returns nil if the limits accept contentType, else a BAD_USER_INPUT *apperr.Error on
// field contentType listing the accepted types. Check the type Sanitize stores with it.
func (l Limits) CheckType(contentType string) error {
	if l.Allows(contentType) {
		return nil
	}
	return l.typeError()
}

func (l Limits) typeError() error {
	var names []string
	for _, t := range l.Types {
		if c := Canonical(t); c != "" && !slices.Contains(names, c) {
			names = append(names, c)
		}
	}
	list := strings.Join(names, ", ")
	return apperr.Newf(apperr.BadUserInput,
		"Loại tệp này không được chấp nhận. Các loại được chấp nhận: %s.",
		"This file type is not accepted. Accepted types: %s.", list).OnField(FieldContentType)
}

func (l Limits) checkSize(size int64) error {
	if size <= 0 {
		return emptyError()
	}
	if size > l.MaxBytes {
		return tooLargeError(l.MaxBytes)
	}
	return nil
}

func emptyError() error {
	return apperr.New(apperr.BadUserInput, "Tệp trống.", "The file is empty.").OnField(FieldSize)
}

func tooLargeError(max int64) error {
	s := humanSize(max)
	return apperr.Newf(apperr.BadUserInput,
		"Tệp quá lớn: tối đa %s.", "The file is too large: at most %s.", s).OnField(FieldSize)
}

// humanSize writes n bytes as "20 MB", "512 KB" or "1000 B" (binary multiples, as phones show
// them), rounding down so the figure stays a true maximum.
func humanSize(n int64) string {
	switch {
	case n >= MiB && n%MiB == 0:
		return fmt.Sprintf("%d MB", n/MiB)
	case n >= 1024:
		return fmt.Sprintf("%d KB", n/1024)
	default:
		return fmt.Sprintf("%d B", n)
	}
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
