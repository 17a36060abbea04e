package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/liemchinh/liemchinh/internal/apperr"
)

// sanitize calls Limits.Sanitize with the default limits and returns the stored bytes, the
// sniffed type and the hash received.
func sanitize(contentType string, r io.Reader, max int64) ([]byte, string, string, error) {
	f, err := DefaultLimits().Sanitize(context.Background(), contentType, r, max)
	return f.Data, f.Sniffed, f.SHA256, err
}

// testImage is a small image with enough detail that its encoding has real entropy-coded data.
func testImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 67, 45))
	for y := range 45 {
		for x := range 67 {
			img.Set(x, y, color.RGBA{uint8(x * 3), uint8(y * 5), uint8(x * y), 255})
		}
	}
	return img
}

func encodeJPEG(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(), &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, testImage()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// segment returns a JPEG marker segment.
func segment(marker byte, payload []byte) []byte {
	n := len(payload) + 2
	return append([]byte{0xFF, marker, byte(n >> 8), byte(n)}, payload...)
}

// Coordinates of the place the photo was taken, as they appear in the injected metadata.
var (
	gpsLat  = "21.0285N"
	gpsLon  = "105.8542E"
	gpsText = "GPS " + gpsLat + " " + gpsLon
)

// exifPayload returns an APP1 Exif payload (little-endian TIFF) with Make, an optional Orientation,
// and a GPS IFD holding latitude 21°1'42.6"N and longitude 105°51'15.1"E, followed by gpsText.
func exifPayload(orientation int) []byte {
	le := binary.LittleEndian
	k := 2
	if orientation > 0 {
		k = 3
	}
	ifd0End := 8 + 2 + 12*k + 4
	makeOff := ifd0End
	gpsOff := makeOff + 12
	lat := gpsOff + 2 + 12*4 + 4
	lon := lat + 24
	t := []byte{'I', 'I', 42, 0, 8, 0, 0, 0}
	entry := func(tag, typ uint16, count, value uint32) {
		t = le.AppendUint16(t, tag)
		t = le.AppendUint16(t, typ)
		t = le.AppendUint32(t, count)
		t = le.AppendUint32(t, value)
	}
	t = le.AppendUint16(t, uint16(k))
	entry(0x010F, 2, 11, uint32(makeOff)) // Make
	if orientation > 0 {
		entry(0x0112, 3, 1, uint32(orientation))
	}
	entry(0x8825, 4, 1, uint32(gpsOff)) // GPSInfo IFD pointer
	t = le.AppendUint32(t, 0)
	t = append(t, "PhoneMaker\x00\x00"...)
	t = le.AppendUint16(t, 4)
	entry(1, 2, 2, uint32('N'))
	entry(2, 5, 3, uint32(lat))
	entry(3, 2, 2, uint32('E'))
	entry(4, 5, 3, uint32(lon))
	t = le.AppendUint32(t, 0)
	for _, r := range []uint32{21, 1, 1, 1, 426, 10, 105, 1, 51, 1, 151, 10} {
		t = le.AppendUint32(t, r)
	}
	t = append(t, gpsText...)
	return append([]byte("Exif\x00\x00"), t...)
}

var xmpPayload = []byte("http://ns.adobe.com/xap/1.0/\x00" +
	`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
	`<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="21,1.71N" ` +
	`exif:GPSLongitude="105,51.25E" dc:creator="Nguyễn Văn A"/></rdf:RDF></x:xmpmeta>`)

var (
	jfif  = segment(0xE0, []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"))
	icc   = segment(0xE2, append([]byte("ICC_PROFILE\x00\x01\x01"), bytes.Repeat([]byte{7}, 40)...))
	adobe = segment(0xEE, []byte("Adobe\x00\x64\x00\x00\x00\x00\x01")) // transform 1: YCbCr
)

// injectJPEG puts head right after SOI, beforeEOI right before the EOI marker, and trailer after it.
func injectJPEG(t *testing.T, jpg []byte, head, beforeEOI, trailer []byte) []byte {
	t.Helper()
	if !bytes.HasSuffix(jpg, []byte{0xFF, 0xD9}) {
		t.Fatal("encoded JPEG does not end with EOI")
	}
	var b []byte
	b = append(b, jpg[:2]...)
	b = append(b, head...)
	b = append(b, jpg[2:len(jpg)-2]...)
	b = append(b, beforeEOI...)
	b = append(b, 0xFF, 0xD9)
	return append(b, trailer...)
}

func decode(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return img
}

func samePixels(t *testing.T, a, b image.Image) {
	t.Helper()
	if a.Bounds() != b.Bounds() {
		t.Fatalf("bounds %v, want %v", b.Bounds(), a.Bounds())
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				t.Fatalf("pixel (%d,%d) differs: %v, want %v", x, y, b.At(x, y), a.At(x, y))
			}
		}
	}
}

// jpegMarkers lists the markers of the segments before the first scan and between scans.
func jpegMarkers(b []byte) []byte {
	var ms []byte
	pos := 2
	for pos+2 <= len(b) {
		if b[pos] != 0xFF {
			return ms
		}
		m := b[pos+1]
		ms = append(ms, m)
		if m == 0xD9 || pos+4 > len(b) {
			return ms
		}
		pos += 2 + (int(b[pos+2])<<8 | int(b[pos+3]))
		if m == 0xDA {
			for pos+1 < len(b) && !(b[pos] == 0xFF && b[pos+1] != 0 && (b[pos+1] < 0xD0 || b[pos+1] > 0xD7)) {
				pos++
			}
		}
	}
	return ms
}

func TestSanitizeJPEG(t *testing.T) {
	base := encodeJPEG(t)
	want := decode(t, base)
	leaks := []string{"Exif", "GPS", gpsLat, "xmpmeta", "ns.adobe.com", "Nguyễn", "PhoneMaker", "IPTC", "motion", "comment"}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	exif := segment(0xE1, exifPayload(0))
	xmp := segment(0xE1, xmpPayload)
	extXMP := segment(0xE1, []byte("http://ns.adobe.com/xmp/extension/\x00"+strings.Repeat("0", 32)+"GPSLatitude"))
	iptc := segment(0xED, []byte("Photoshop 3.0\x008BIM\x04\x04IPTC Hà Nội"))
	jumbf := segment(0xEB, []byte("JP\x00\x01jumbc2pa GPS"))
	mpf := segment(0xE2, []byte("MPF\x00MM\x00*GPS"))
	com := segment(0xFE, []byte("comment: taken at "+gpsText))
	trailer := []byte("\x00\x00\x00\x18ftypmp42 motion photo GPS " + gpsLat)

	tests := []struct {
		name        string
		declared    string
		data        []byte
		keep        [][]byte // segments that must remain, in order
		orientation int      // expected orientation carried over
	}{
		{
			name:     "Exif and XMP after SOI",
			declared: "image/jpeg",
			data:     injectJPEG(t, base, cat(exif, xmp), nil, nil),
		},
		{
			name:     "JFIF, ICC and Adobe kept, everything else dropped",
			declared: "image/jpeg",
			data:     injectJPEG(t, base, cat(jfif, exif, icc, xmp, extXMP, iptc, jumbf, mpf, com, adobe), nil, trailer),
			keep:     [][]byte{jfif, icc, adobe},
		},
		{
			name:        "orientation carried over",
			declared:    "image/jpeg",
			data:        injectJPEG(t, base, cat(jfif, segment(0xE1, exifPayload(6)), xmp), nil, nil),
			keep:        [][]byte{jfif},
			orientation: 6,
		},
		{
			name:     "metadata after the scan and after EOI",
			declared: "image/jpeg",
			data:     injectJPEG(t, base, nil, cat(exif, com), trailer),
		},
		{
			name:     "declared PNG, is a JPEG: cleaned as a JPEG",
			declared: "image/png",
			data:     injectJPEG(t, base, exif, nil, nil),
		},
		{
			name:     "alias and parameters",
			declared: "image/jpg; q=1",
			data:     injectJPEG(t, base, xmp, nil, nil),
		},
		{
			name:     "nothing to remove",
			declared: "image/jpeg",
			data:     base,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			samePixels(t, want, decode(t, tt.data)) // the dirty file decodes as the base image

			clean, sniffed, sum, err := sanitize(tt.declared, bytes.NewReader(tt.data), 20*MiB)
			if err != nil {
				t.Fatal(err)
			}
			if sniffed != JPEG {
				t.Fatalf("sniffed %q", sniffed)
			}
			if h := sha256.Sum256(tt.data); sum != hex.EncodeToString(h[:]) {
				t.Fatal("sum is not the SHA-256 of the bytes received")
			}
			for _, s := range leaks {
				if s == "Exif" && tt.orientation != 0 {
					continue
				}
				if bytes.Contains(clean, []byte(s)) {
					t.Errorf("cleaned JPEG still contains %q", s)
				}
			}
			for _, seg := range tt.keep {
				if !bytes.Contains(clean, seg) {
					t.Errorf("segment %q was removed", seg[4:min(len(seg), 16)])
				}
			}
			for _, m := range jpegMarkers(clean) {
				if m >= 0xE0 && m <= 0xEF && m != 0xE0 && m != 0xE2 && m != 0xEE && !(m == 0xE1 && tt.orientation != 0) || m == 0xFE {
					t.Errorf("cleaned JPEG has a segment 0x%02X", m)
				}
			}
			if tt.orientation != 0 {
				// The only Exif left is the minimal one, holding the orientation alone.
				seg := orientationSegment(tt.orientation)
				if bytes.Count(clean, []byte("Exif")) != 1 || !bytes.Contains(clean, seg) {
					t.Fatal("no minimal orientation segment")
				}
				if v := exifOrientation(seg[4:]); v != tt.orientation {
					t.Fatalf("orientation %d", v)
				}
			}
			if !bytes.HasSuffix(clean, []byte{0xFF, 0xD9}) {
				t.Fatal("cleaned JPEG does not end with EOI")
			}
			if !bytes.Contains(clean, base[bytes.Index(base, []byte{0xFF, 0xDA}):]) {
				t.Fatal("scan and image data not copied intact")
			}

			got, err := jpeg.Decode(bytes.NewReader(clean))
			if err != nil {
				t.Fatalf("cleaned JPEG does not decode: %v", err)
			}
			samePixels(t, want, got)

			again, _, _, err := sanitize(JPEG, bytes.NewReader(clean), 20*MiB)
			if err != nil || !bytes.Equal(again, clean) {
				t.Fatalf("cleaning is not idempotent: %v", err)
			}
		})
	}
}

// TestStripJPEGScan checks the entropy-coded data scan on a hand-made stream: stuffed bytes and
// restart markers belong to the scan, a marker after it is parsed again, fill bytes are dropped.
func TestStripJPEGScan(t *testing.T) {
	sos := segment(0xDA, []byte{1, 1, 0, 0, 63, 0})
	scan := []byte{0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD3, 0x56, 0xFF, 0x00}
	in := bytes.Join([][]byte{
		{0xFF, 0xD8}, sos, scan,
		{0xFF, 0xFF}, segment(0xE1, exifPayload(3)), // fill byte, then metadata between scans
		segment(0xC4, []byte{0, 1, 2}), sos, scan,
		{0xFF, 0xD9}, []byte("trailer"),
	}, nil)
	want := bytes.Join([][]byte{
		{0xFF, 0xD8}, sos, scan,
		orientationSegment(3),
		segment(0xC4, []byte{0, 1, 2}), sos, scan,
		{0xFF, 0xD9},
	}, nil)
	got, err := stripJPEG(in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got  % X\nwant % X", got, want)
	}
}

// pngChunk returns a PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// pngChunks splits a PNG into its chunks, raw.
func pngChunks(t *testing.T, b []byte) [][]byte {
	t.Helper()
	var cs [][]byte
	for pos := 8; pos < len(b); {
		end := pos + 12 + int(binary.BigEndian.Uint32(b[pos:]))
		cs = append(cs, b[pos:end])
		pos = end
	}
	return cs
}

func TestSanitizePNG(t *testing.T) {
	base := encodePNG(t)
	want := decode(t, base)
	ihdrEnd := 8 + 12 + 13
	gama := pngChunk("gAMA", []byte{0, 0, 0xB1, 0x8F})
	phys := pngChunk("pHYs", []byte{0, 0, 0x0B, 0x13, 0, 0, 0x0B, 0x13, 1})
	exif := pngChunk("eXIf", exifPayload(1)[6:])
	text := pngChunk("tEXt", []byte("Location\x00"+gpsText))
	itxt := pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00"+string(xmpPayload[29:])))
	ztxt := pngChunk("zTXt", []byte("Comment\x00\x00x\x9c\x01\x03\x00\xfc\xffGPS"))
	ztime := pngChunk("tIME", []byte{0x07, 0xEA, 1, 2, 3, 4, 5})
	private := pngChunk("prVt", []byte("owner Nguyễn Văn A"))
	cat := func(parts ...[]byte) []byte {
		b := append([]byte{}, base[:ihdrEnd]...)
		b = append(b, bytes.Join(parts, nil)...)
		return append(b, base[ihdrEnd:]...)
	}
	tests := []struct {
		name string
		data []byte
		keep [][]byte
	}{
		{"eXIf and tEXt", cat(exif, text), nil},
		{"all text chunks, tIME, private; gAMA and pHYs kept", cat(gama, exif, text, itxt, ztxt, ztime, private, phys), [][]byte{gama, phys}},
		{"data after IEND", append(cat(text), "GPS trailer"...), nil},
		{"nothing to remove", base, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			samePixels(t, want, decode(t, tt.data))
			clean, sniffed, sum, err := sanitize("image/png", bytes.NewReader(tt.data), 20*MiB)
			if err != nil {
				t.Fatal(err)
			}
			if sniffed != PNG {
				t.Fatalf("sniffed %q", sniffed)
			}
			if h := sha256.Sum256(tt.data); sum != hex.EncodeToString(h[:]) {
				t.Fatal("sum is not the SHA-256 of the bytes received")
			}
			for _, s := range []string{"eXIf", "tEXt", "iTXt", "zTXt", "tIME", "prVt", "GPS", gpsLat, "Nguy"} {
				if bytes.Contains(clean, []byte(s)) {
					t.Errorf("cleaned PNG still contains %q", s)
				}
			}
			// Kept chunks are byte for byte those of the input (CRCs included), in order.
			var wantChunks [][]byte
			for _, c := range pngChunks(t, base) {
				wantChunks = append(wantChunks, c)
				if string(c[4:8]) == "IHDR" {
					wantChunks = append(wantChunks, tt.keep...)
				}
			}
			got := pngChunks(t, clean)
			if len(got) != len(wantChunks) {
				t.Fatalf("%d chunks, want %d", len(got), len(wantChunks))
			}
			for i := range got {
				if !bytes.Equal(got[i], wantChunks[i]) {
					t.Fatalf("chunk %d %q differs", i, got[i][4:8])
				}
			}
			img, err := png.Decode(bytes.NewReader(clean))
			if err != nil {
				t.Fatalf("cleaned PNG does not decode: %v", err)
			}
			samePixels(t, want, img)
		})
	}
}

// webpChunk returns a RIFF chunk, padded to an even size.
func webpChunk(fourcc string, data []byte) []byte {
	b := append([]byte(fourcc), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	b = append(b, data...)
	if len(data)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

func riff(chunks ...[]byte) []byte {
	body := append([]byte("WEBP"), bytes.Join(chunks, nil)...)
	return append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...), body...)
}

func TestSanitizeWebP(t *testing.T) {
	vp8x := func(flags byte) []byte { return webpChunk("VP8X", []byte{flags, 0, 0, 0, 66, 0, 0, 44, 0, 0}) }
	image := webpChunk("VP8L", []byte{0x2F, 66, 0xC0, 0x0A, 0x00}) // odd size: padded
	iccp := webpChunk("ICCP", bytes.Repeat([]byte{7}, 12))
	in := riff(vp8x(0x20|0x10|0x08|0x04), iccp, image, webpChunk("EXIF", exifPayload(0)[6:]), webpChunk("XMP ", xmpPayload[29:]))
	in = append(in, "trailing GPS"...)
	want := riff(vp8x(0x20|0x10), iccp, image)

	clean, sniffed, _, err := sanitize("image/webp", bytes.NewReader(in), 20*MiB)
	if err != nil {
		t.Fatal(err)
	}
	if sniffed != WebP {
		t.Fatalf("sniffed %q", sniffed)
	}
	if !bytes.Equal(clean, want) {
		t.Fatalf("got  %q\nwant %q", clean, want)
	}
	if _, err := stripWebP(riff(vp8x(0), webpChunk("VP8L", make([]byte, 100)))[:40]); err == nil {
		t.Fatal("truncated WebP accepted")
	}
}

func ftyp(major string, compatible ...string) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(16+4*len(compatible)))
	b = append(b, "ftyp"+major+"\x00\x00\x02\x00"...)
	for _, c := range compatible {
		b = append(b, c...)
	}
	return append(b, "\x00\x00\x00\x08free\x00\x00\x10\x00mdat"...)
}

// TestSanitizePassThrough: what cannot be cleaned (media; a PDF or HEIC the libraries cannot
// read) is kept as it came and marked not sanitized.
func TestSanitizePassThrough(t *testing.T) {
	pdf := []byte("%PDF-1.7\n1 0 obj << /Author (Nguyen Van A) >> endobj\ntrailer << /Info 1 0 R >>\n%%EOF\n")
	id3 := append([]byte("ID3\x04\x00\x00\x00\x00\x00\x0ATIT2\x00\x00\x00"), 0xFF, 0xFB, 0x90, 0x64, 0, 0)
	adts := []byte{0xFF, 0xF1, 0x50, 0x80, 0x02, 0x1F, 0xFC, 1, 2, 3}
	wav := append([]byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00"), make([]byte, 24)...)
	tests := []struct {
		declared, sniffed string
		data              []byte
	}{
		{"application/pdf", PDF, pdf},
		{"image/heic", HEIC, ftyp("heic", "mif1", "heic")},
		{"image/heif", HEIC, ftyp("mif1", "mif1", "heic")},
		{"video/mp4", MP4, ftyp("isom", "isom", "iso2", "avc1", "mp41")},
		{"audio/mp4", MP4, ftyp("mp42", "isom", "mp42")}, // audio in a generic MP4: same family
		{"audio/x-m4a", M4A, ftyp("M4A ", "M4A ", "mp42", "isom")},
		{"video/quicktime", QuickTime, ftyp("qt  ", "qt  ")},
		{"video/3gpp", ThreeGP, ftyp("3gp4", "isom", "3gp4")},
		{"audio/3gpp", ThreeGP, ftyp("3gp5", "3gp5")},
		{"audio/aac", AAC, adts},
		{"audio/mpeg", MP3, id3},
		{"audio/mpeg", MP3, []byte{0xFF, 0xFB, 0x90, 0x64, 0, 0, 0}},
		{"audio/x-wav", WAV, wav},
	}
	for _, tt := range tests {
		t.Run(tt.declared+"/"+tt.sniffed, func(t *testing.T) {
			f, err := DefaultLimits().Sanitize(context.Background(), tt.declared, bytes.NewReader(tt.data), int64(len(tt.data)))
			if err != nil {
				t.Fatal(err)
			}
			if f.Sniffed != tt.sniffed || f.Type != tt.sniffed {
				t.Fatalf("sniffed %q, stored as %q, want %q", f.Sniffed, f.Type, tt.sniffed)
			}
			if !bytes.Equal(f.Data, tt.data) {
				t.Fatal("content changed")
			}
			if f.Sanitized {
				t.Fatal("stored as it came, yet marked sanitized")
			}
			if h := sha256.Sum256(tt.data); f.SHA256 != hex.EncodeToString(h[:]) {
				t.Fatal("wrong sum")
			}
		})
	}
}

func TestSanitizeRefuses(t *testing.T) {
	jpg := encodeJPEG(t)
	pngData := encodePNG(t)
	pdf := []byte("%PDF-1.4\n%%EOF\n")
	tests := []struct {
		name, declared string
		data           []byte
		max            int64
		field          string
	}{
		{"declared JPEG, is a PDF", "image/jpeg", pdf, MiB, FieldFile},
		{"declared PDF, is a JPEG", "application/pdf", jpg, MiB, FieldFile},
		{"declared MP3, is a PNG", "audio/mpeg", pngData, MiB, FieldFile},
		{"declared video, is a PDF", "video/mp4", pdf, MiB, FieldFile},
		{"declared PNG, is HTML", "image/png", []byte("<!DOCTYPE html><script>alert(1)</script>"), MiB, FieldFile},
		{"declared JPEG, is a GIF", "image/jpeg", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), MiB, FieldFile},
		{"declared HEIC, is AVIF", "image/heic", ftyp("avif", "avif", "mif1"), MiB, FieldFile},
		{"declared video, is random", "video/mp4", []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}, MiB, FieldFile},
		{"declared type unknown", "image/gif", []byte("GIF89a"), MiB, FieldContentType},
		{"declared type empty", "", pdf, MiB, FieldContentType},
		{"too large by one byte", "application/pdf", pdf, int64(len(pdf)) - 1, FieldSize},
		{"too large", "image/jpeg", jpg, 100, FieldSize},
		{"empty", "application/pdf", nil, MiB, FieldSize},
		{"damaged PNG", "image/png", pngData[:len(pngData)-20], MiB, FieldFile},
		{"damaged PNG header", "image/png", append(append([]byte{}, pngData[:16]...), "XXXX"...), MiB, FieldFile},
		{"damaged JPEG segment", "image/jpeg", []byte{0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 0}, MiB, FieldFile},
		{"JPEG without frame", "image/jpeg", []byte{0xFF, 0xD8, 0xFF, 0xFE, 0, 3, 'x', 0xFF, 0xD9}, MiB, FieldFile},
		{"damaged WebP", "image/webp", []byte("RIFF\xff\x00\x00\x00WEBPVP8L"), MiB, FieldFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clean, sniffed, sum, err := sanitize(tt.declared, bytes.NewReader(tt.data), tt.max)
			if err == nil {
				t.Fatalf("accepted as %s", sniffed)
			}
			if clean != nil || sniffed != "" || sum != "" {
				t.Fatal("results returned with an error")
			}
			wantUserError(t, err, tt.field)
		})
	}
}

func TestSanitizeExactMax(t *testing.T) {
	pdf := []byte("%PDF-1.4\n%%EOF\n")
	if _, _, _, err := sanitize(PDF, bytes.NewReader(pdf), int64(len(pdf))); err != nil {
		t.Fatal(err)
	}
	// Only max+1 bytes are read from an endless stream.
	endless := iotest.OneByteReader(&repeatReader{b: pdf})
	if _, _, _, err := sanitize(PDF, endless, 1000); err == nil {
		t.Fatal("endless upload accepted")
	}
}

type repeatReader struct {
	b []byte
	n int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.b[r.n%len(r.b)]
		r.n++
	}
	return len(p), nil
}

func TestSanitizeReadError(t *testing.T) {
	boom := errors.New("connection reset")
	_, _, _, err := sanitize(JPEG, iotest.ErrReader(boom), MiB)
	if !errors.Is(err, boom) {
		t.Fatalf("error %v does not wrap the reader's", err)
	}
	if _, ok := apperr.As(err); ok {
		t.Fatal("a transport failure was reported as the person's mistake")
	}
	if _, _, _, err := sanitize(PDF, strings.NewReader("%PDF-"), 0); err == nil {
		t.Fatal("max 0 accepted")
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"jpeg", encodeJPEG(t), JPEG},
		{"png", encodePNG(t), PNG},
		{"webp", riff(webpChunk("VP8L", []byte{0x2F, 0, 0, 0})), WebP},
		{"pdf", []byte("%PDF-1.7\n"), PDF},
		{"heic", ftyp("heic", "mif1", "heic"), HEIC},
		{"heix", ftyp("heix", "mif1", "heix"), HEIC},
		{"generic heif", ftyp("mif1", "mif1", "miaf"), HEIC},
		{"avif", ftyp("avif", "avif", "mif1"), "image/avif"},
		{"avif under mif1", ftyp("mif1", "mif1", "avif"), "image/avif"},
		{"mp4 isom", ftyp("isom", "isom", "avc1"), MP4},
		{"mp4 mp42", ftyp("mp42", "mp41"), MP4},
		{"mp4 other major, isom compatible", ftyp("XYZ1", "isom"), MP4},
		{"m4a", ftyp("M4A ", "mp42"), M4A},
		{"quicktime", ftyp("qt  ", "qt  "), QuickTime},
		{"old quicktime", []byte("\x00\x00\x00\x10moov\x00\x00\x00\x08mvhd"), QuickTime},
		{"3gp", ftyp("3gp6", "3gp6", "isom"), ThreeGP},
		{"3g2", ftyp("3g2a", "3g2a"), ThreeGP},
		{"unknown brand", ftyp("crx ", "crx "), "application/octet-stream"},
		{"bad ftyp size", []byte("\x00\x00\x00\x05ftypisom\x00\x00\x00\x00"), "application/octet-stream"},
		{"adts", []byte{0xFF, 0xF1, 0x50, 0x80, 0x02, 0x1F, 0xFC}, AAC},
		{"adts mpeg-2", []byte{0xFF, 0xF9, 0x50, 0x80, 0x02, 0x1F, 0xFC}, AAC},
		{"id3 then adts", append([]byte("ID3\x03\x00\x00\x00\x00\x00\x02xx"), 0xFF, 0xF1, 0x50, 0x80, 0x02, 0x1F, 0xFC), AAC},
		{"id3 then mp3", append([]byte("ID3\x03\x00\x00\x00\x00\x00\x02xx"), 0xFF, 0xFB, 0x90, 0x64), MP3},
		{"id3 with footer", append([]byte("ID3\x04\x00\x10\x00\x00\x00\x00"+strings.Repeat("3DI", 3)+"3"), 0xFF, 0xF1, 0x50, 0x80, 0x02, 0x1F, 0xFC), AAC},
		{"mp3 frame", []byte{0xFF, 0xFB, 0x90, 0x64}, MP3},
		{"mpeg reserved version", []byte{0xFF, 0xEB, 0x90, 0x64, 0, 0}, "application/octet-stream"},
		{"wav", []byte("RIFF\x24\x00\x00\x00WAVEfmt "), WAV},
		{"gif", []byte("GIF89a"), "image/gif"},
		{"html", []byte("<html><body>"), "text/html"},
		{"text", []byte("hello"), "text/plain"},
		{"empty", nil, "text/plain"},
	}
	for _, tt := range tests {
		if got := Sniff(tt.data); got != tt.want {
			t.Errorf("%s: Sniff = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestExifOrientation(t *testing.T) {
	be := orientationSegment(8)[4:]
	tests := []struct {
		name string
		p    []byte
		want int
	}{
		{"little-endian", exifPayload(6), 6},
		{"big-endian", be, 8},
		{"absent", exifPayload(0), 0},
		{"xmp", xmpPayload, 0},
		{"truncated", exifPayload(6)[:20], 0},
		{"bad IFD offset", append([]byte("Exif\x00\x00II*\x00\xff\xff\xff\xff"), make([]byte, 20)...), 0},
		{"out of range", []byte("Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x09\x00\x00"), 0},
		{"wrong type", []byte("Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x04\x00\x00\x00\x01\x00\x06\x00\x00"), 0},
	}
	for _, tt := range tests {
		if got := exifOrientation(tt.p); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
}

func FuzzSanitize(f *testing.F) {
	jpg := encodeJPEG(f)
	f.Add(jpg)
	f.Add(append(append([]byte{0xFF, 0xD8}, segment(0xE1, exifPayload(6))...), jpg[2:]...))
	f.Add(encodePNG(f))
	f.Add(riff(webpChunk("VP8X", make([]byte, 10)), webpChunk("EXIF", []byte("x"))))
	f.Add(ftyp("heic", "mif1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, ct := range []string{JPEG, PNG, WebP, MP4} { // a cleaned PDF is dated: not byte-identical twice
			clean, _, _, err := sanitize(ct, bytes.NewReader(b), 1<<20)
			if err != nil {
				continue
			}
			again, _, _, err := sanitize(ct, bytes.NewReader(clean), 1<<20)
			if err != nil {
				t.Fatalf("cleaned output refused: %v", err)
			}
			if !bytes.Equal(again, clean) {
				t.Fatal("cleaning is not idempotent")
			}
		}
	})
}
