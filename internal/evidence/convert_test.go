package evidence

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// The HEIC fixtures (see testdata/README.md) carry Exif (GPS 10°45'45"N 106°39'37"E, Artist
// "Nguyen Van A", Orientation 6) and XMP (dc:creator "Nguyen Van A"), except grid.heic. The
// picture is red on the left, blue on the right, with a green band along the top.
func TestSanitizeHEIC(t *testing.T) {
	tests := []struct {
		file          string
		width, height int
	}{
		// Exif says "rotate 90° clockwise", but a HEIF reader follows the container (no irot
		// here), as iPhones expect: the JPEG keeps the stored orientation.
		{"gps", 160, 120},
		// irot 270° anticlockwise (90° clockwise): the pixels come out rotated.
		{"gps-irot270", 120, 160},
		// A grid of tiles cropped at the edges, as iPhones write photos.
		{"grid", 200, 150},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			in := readFile(t, tt.file+".heic")
			if tt.file != "grid" {
				for _, s := range []string{"Exif", "Nguyen Van A", "xmpmeta"} {
					if !strings.Contains(string(in), s) {
						t.Fatalf("fixture has no %q", s)
					}
				}
			}
			f, err := DefaultLimits().Sanitize(context.Background(), "image/heic", bytes.NewReader(in), int64(len(in)))
			if err != nil {
				t.Fatal(err)
			}
			if f.Sniffed != HEIC || f.Type != JPEG || !f.Sanitized {
				t.Fatalf("sniffed %s, stored as %s, sanitized %v", f.Sniffed, f.Type, f.Sanitized)
			}
			for _, m := range jpegMarkers(f.Data) {
				if m >= 0xE1 && m <= 0xEF || m == 0xFE {
					t.Errorf("JPEG has a metadata segment 0x%02X", m)
				}
			}
			for _, s := range []string{"Exif", "Nguyen", "xmp", "GPS"} {
				if bytes.Contains(f.Data, []byte(s)) {
					t.Errorf("JPEG contains %q", s)
				}
			}
			img, err := jpeg.Decode(bytes.NewReader(f.Data))
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != tt.width || b.Dy() != tt.height {
				t.Fatalf("%dx%d, want %dx%d", b.Dx(), b.Dy(), tt.width, tt.height)
			}
			// The same pixels as libheif's own rendering (both lossy: a small mean difference).
			ref, err := jpeg.Decode(bytes.NewReader(readFile(t, tt.file+".ref.jpg")))
			if err != nil {
				t.Fatal(err)
			}
			if d := meanDiff(img, ref); d > 4 {
				t.Fatalf("differs from libheif's rendering by %.1f on average", d)
			}
			// The JPEG is an ordinary upload now: cleaning it again changes nothing.
			again, err := DefaultLimits().Sanitize(context.Background(), "image/heic", bytes.NewReader(f.Data), int64(len(f.Data)))
			if err != nil || !bytes.Equal(again.Data, f.Data) || again.Type != JPEG {
				t.Fatalf("the converted JPEG is not stable: %v", err)
			}
		})
	}
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// meanDiff is the mean absolute difference of two images' 8-bit RGB values, a and b the same size.
func meanDiff(a, b image.Image) float64 {
	var sum, n float64
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			a1, a2, a3, _ := a.At(x, y).RGBA()
			b1, b2, b3, _ := b.At(x, y).RGBA()
			for _, p := range [][2]uint32{{a1, b1}, {a2, b2}, {a3, b3}} {
				sum += math.Abs(float64(p[0]>>8) - float64(p[1]>>8))
				n++
			}
		}
	}
	return sum / n
}

// TestSanitizeHEICNotConverted: a HEIC the server will not decode is kept as it came, marked.
func TestSanitizeHEICNotConverted(t *testing.T) {
	gps := readFile(t, "gps.heic")
	small := DefaultLimits()
	small.MaxPixels = 160*120 - 1
	tiles := DefaultLimits()
	tiles.MaxPixels = 40_000 // grid.heic: 200x150 shown, from 4 tiles of 128x128 (65,536 pixels)
	tests := []struct {
		name   string
		limits Limits
		data   []byte
	}{
		{"over the pixel limit", small, gps},
		{"tiles over twice the pixel limit", tiles, readFile(t, "grid.heic")},
		{"narrower than the wrapper handles", DefaultLimits(), readFile(t, "narrow.heic")},
		{"not decodable", DefaultLimits(), ftyp("heic", "mif1", "heic")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := tt.limits.Sanitize(context.Background(), "image/heic", bytes.NewReader(tt.data), int64(len(tt.data)))
			if err != nil {
				t.Fatal(err)
			}
			if f.Sanitized || f.Type != HEIC || !bytes.Equal(f.Data, tt.data) {
				t.Fatalf("stored as %s, sanitized %v", f.Type, f.Sanitized)
			}
		})
	}
	small.MaxPixels = 160 * 120
	if f, err := small.Sanitize(context.Background(), "image/heic", bytes.NewReader(gps), int64(len(gps))); err != nil || !f.Sanitized {
		t.Fatalf("a photo at the pixel limit: %v, sanitized %v", err, f.Sanitized)
	}
}

// testPDF returns a one-page PDF carrying metadata everywhere a phone app or an office suite
// puts it: Info (Author, Creator, Producer, a custom GPS key), an XMP stream on the catalog and on
// the image, PieceInfo on the page, a comment with its author, and the page's photo as a JPEG
// with Exif GPS.
func testPDF(t *testing.T, embedded bool) []byte {
	t.Helper()
	return pdfFixture(t, embedded, false)
}

// pdfFixture is testPDF, with the photo compressed once more (FlateDecode over DCTDecode) when
// flateJPEG is set.
func pdfFixture(t *testing.T, embedded, flateJPEG bool) []byte {
	t.Helper()
	xmp := `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
		`<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="21,1.71N" ` +
		`exif:GPSLongitude="105,51.25E"><dc:creator>XmpAuthor Nguyen</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>`
	jpg := encodeJPEG(t)
	photo := append(append([]byte{0xFF, 0xD8}, segment(0xE1, exifPayload(0))...), jpg[2:]...)
	stream := func(dict string, data []byte) string {
		return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
	}
	content := "q 67 0 0 45 10 10 cm /Im1 Do Q BT /F1 12 Tf 20 150 Td (Bang chung) Tj ET"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R /Metadata 5 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R" +
			" /Resources << /XObject << /Im1 8 0 R >> /Font << /F1 9 0 R >> >> /Annots [6 0 R]" +
			" /PieceInfo << /PhoneScanner << /LastModified (D:20261201) /Private (PieceAuthor Nguyen) >> >> >>",
		stream("", []byte(content)),
		stream("/Type /Metadata /Subtype /XML", []byte(xmp)),
		"<< /Type /Annot /Subtype /Text /Rect [0 0 20 20] /T (AnnotAuthor Nguyen) /Contents (ghi chu) >>",
		"<< /Author (InfoAuthor Nguyen) /Creator (Scanner App) /Producer (PhoneScanner 1.0) /GPSLatitude (21.0285N) >>",
		stream("/Type /XObject /Subtype /Image /Width 67 /Height 45 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Metadata 10 0 R", photo),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		stream("/Type /Metadata /Subtype /XML", []byte(xmp)),
	}
	if flateJPEG {
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		_, _ = zw.Write(photo)
		_ = zw.Close()
		objs[7] = stream("/Type /XObject /Subtype /Image /Width 67 /Height 45 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter [/FlateDecode /DCTDecode] /Metadata 10 0 R", z.Bytes())
	}
	if embedded { // the phone's original photo attached to the document
		objs[0] = "<< /Type /Catalog /Pages 2 0 R /Metadata 5 0 R /Names << /EmbeddedFiles << /Names [(a.jpg) 12 0 R] >> >> >>"
		objs = append(objs, stream("/Type /EmbeddedFile /Subtype /image#2Fjpeg", photo),
			"<< /Type /Filespec /F (a.jpg) /UF (a.jpg) /EF << /F 11 0 R >> >>")
	}
	return writePDF(objs, 7)
}

// writePDF writes a PDF of the objects (numbered from 1, the catalog first) with its cross
// reference table, and the object info as its Info dictionary.
func writePDF(objs []string, info int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, info, xref)
	return b.Bytes()
}

var pdfLeaks = []string{"InfoAuthor", "Scanner App", "PhoneScanner", "GPSLatitude", "21.0285N", "XmpAuthor",
	"xmpmeta", "PieceAuthor", "PieceInfo", "AnnotAuthor", "Exif", gpsText}

// pdfObjectStreams rewrites a PDF with pdfcpu using object streams, as many writers do: the
// dictionaries (Info, annotations, pages) are then compressed, out of sight of a byte search.
func pdfObjectStreams(t *testing.T, in []byte) []byte {
	t.Helper()
	conf := model.NewDefaultConfiguration()
	conf.WriteObjectStream, conf.WriteXRefStream = true, true
	ctx, err := api.ReadContext(bytes.NewReader(in), conf)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := api.WriteContext(ctx, &b); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b.Bytes(), []byte("AnnotAuthor")) {
		t.Fatal("the annotation is not in an object stream")
	}
	return b.Bytes()
}

func TestSanitizePDF(t *testing.T) {
	pdfNoConfig() // before any pdfcpu configuration: no configuration directory
	plain := testPDF(t, false)
	conf := model.NewDefaultConfiguration()
	if _, err := api.ReadAndValidate(bytes.NewReader(plain), conf); err != nil {
		t.Fatalf("the test PDF is not valid: %v", err)
	}
	for _, s := range pdfLeaks {
		if !bytes.Contains(plain, []byte(s)) {
			t.Fatalf("the test PDF has no %q", s)
		}
	}
	for _, tt := range []struct {
		name string
		in   []byte
	}{{"plain", plain}, {"object streams", pdfObjectStreams(t, plain)}} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := DefaultLimits().Sanitize(context.Background(), "application/pdf", bytes.NewReader(tt.in), int64(len(tt.in)))
			if err != nil {
				t.Fatal(err)
			}
			if !f.Sanitized || f.Type != PDF {
				t.Fatalf("stored as %s, sanitized %v", f.Type, f.Sanitized)
			}
			// Written without object streams: a leftover would show.
			for _, s := range pdfLeaks {
				if bytes.Contains(f.Data, []byte(s)) {
					t.Errorf("cleaned PDF still contains %q", s)
				}
			}
			ctx, err := api.ReadAndValidate(bytes.NewReader(f.Data), conf)
			if err != nil {
				t.Fatalf("cleaned PDF does not parse: %v", err)
			}
			if ctx.PageCount != 1 {
				t.Fatalf("%d pages", ctx.PageCount)
			}
			info, err := ctx.DereferenceDict(*ctx.Info)
			if err != nil {
				t.Fatal(err)
			}
			for k := range info {
				if k != "Producer" && k != "CreationDate" && k != "ModDate" {
					t.Errorf("Info keeps %s", k)
				}
			}
			for nr, e := range ctx.Table {
				var d types.Dict
				switch o := e.Object.(type) {
				case types.Dict:
					d = o
				case types.StreamDict:
					d = o.Dict
					if o.Image() {
						if _, err := jpeg.Decode(bytes.NewReader(o.Raw)); err != nil {
							t.Errorf("image %d does not decode: %v", nr, err)
						}
					}
				default:
					continue
				}
				if d["Metadata"] != nil || d["PieceInfo"] != nil {
					t.Errorf("object %d keeps metadata: %v", nr, d)
				}
				if st := d.Subtype(); st != nil && *st == "Text" && d["T"] != nil {
					t.Errorf("comment %d keeps its author", nr)
				}
			}
			// The evidence itself stays: the page's text and its photo, the comment's text.
			if !bytes.Contains(f.Data, []byte("(Bang chung) Tj")) || !bytes.Contains(f.Data, []byte("ghi chu")) {
				t.Error("the page's content was changed")
			}
		})
	}
}

func TestSanitizePDFNotCleanable(t *testing.T) {
	pdfNoConfig()
	withFile := testPDF(t, true)
	if _, err := api.ReadAndValidate(bytes.NewReader(withFile), model.NewDefaultConfiguration()); err != nil {
		t.Fatalf("the test PDF is not valid: %v", err)
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"not a PDF pdfcpu reads", []byte("%PDF-1.7\n1 0 obj << /Author (Nguyen Van A) >> endobj\ntrailer << /Info 1 0 R >>\n%%EOF\n")},
		{"embedded files", withFile},
		{"a photo behind FlateDecode", pdfFixture(t, false, true)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := DefaultLimits().Sanitize(context.Background(), "application/pdf", bytes.NewReader(tt.data), int64(len(tt.data)))
			if err != nil {
				t.Fatal(err)
			}
			if f.Sanitized || !bytes.Equal(f.Data, tt.data) {
				t.Fatalf("sanitized %v, changed %v", f.Sanitized, !bytes.Equal(f.Data, tt.data))
			}
		})
	}
}

// TestSanitizedFlag: the types the server cleans are marked so; the others are not.
func TestSanitizedFlag(t *testing.T) {
	tests := []struct {
		declared string
		data     []byte
		want     bool
	}{
		{JPEG, encodeJPEG(t), true},
		{PNG, encodePNG(t), true},
		{WebP, riff(webpChunk("VP8L", []byte{0x2F, 0, 0, 0})), true},
		{MP4, ftyp("isom", "isom", "mp41"), false},
		{QuickTime, ftyp("qt  ", "qt  "), false},
		{M4A, ftyp("M4A ", "M4A "), false},
		{MP3, []byte{0xFF, 0xFB, 0x90, 0x64, 0, 0, 0}, false},
	}
	for _, tt := range tests {
		f, err := DefaultLimits().Sanitize(context.Background(), tt.declared, bytes.NewReader(tt.data), int64(len(tt.data)))
		if err != nil {
			t.Fatalf("%s: %v", tt.declared, err)
		}
		if f.Sanitized != tt.want {
			t.Errorf("%s: sanitized %v, want %v", tt.declared, f.Sanitized, tt.want)
		}
	}
}

// TestHEICCost converts a real-size photo named by EVIDENCE_HEIC_SAMPLE and logs the time it took
// and the Go heap it used; run the test binary under /usr/bin/time -v for the peak RSS (README).
func TestHEICCost(t *testing.T) {
	name := os.Getenv("EVIDENCE_HEIC_SAMPLE")
	if name == "" {
		t.Skip("EVIDENCE_HEIC_SAMPLE names no photo")
	}
	in, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	l := DefaultLimits()
	l.MaxBytes = int64(len(in))
	for i := range 3 { // the first run also compiles the decoder
		start := time.Now()
		f, err := l.Sanitize(context.Background(), "image/heic", bytes.NewReader(in), int64(len(in)))
		d := time.Since(start)
		if err != nil || !f.Sanitized {
			t.Fatalf("not converted: %v", err)
		}
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		t.Logf("run %d: %d bytes HEIC -> %d bytes JPEG in %v; Go heap total allocated %d MiB, sys %d MiB",
			i+1, len(in), len(f.Data), d.Round(time.Millisecond), m.TotalAlloc>>20, m.Sys>>20)
	}
}
