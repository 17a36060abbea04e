package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"image/jpeg"
	"image/png"
	"io"

	"github.com/liemchinh/liemchinh/internal/apperr"
)

// File is an upload ready to store.
type File struct {
	Data      []byte // the bytes to store
	Type      string // their canonical content type: the sniffed type, or JPEG for a converted HEIC
	Sniffed   string // the canonical type of the bytes received
	SHA256    string // lower-case hex SHA-256 of the bytes received
	Sanitized bool   // whether location and author metadata were removed (see Sanitize)
}

// Sanitize reads an uploaded file and returns it ready to store.
//
// It reads at most max+1 bytes from r (the declared size; at most l.MaxBytes): a longer file is
// refused. It sniffs the real type (see Sniff) and refuses a file whose real type is unknown, or
// is in another family than the declared type (families: image; PDF; audio and video). Within a
// family the sniffed type is the truth: it decides the cleaning, and File.Type, the type to store
// and serve, follows from it (check it with Limits.CheckType too). File.SHA256 is the hash of the
// bytes as received, to compare with the hash declared (strings.EqualFold); it is not the hash of
// File.Data when cleaning changed the bytes.
//
// Cleaning removes what can locate or identify the person who took the photo or wrote the
// document, and keeps what the file needs to display:
//
//   - JPEG: APP1 segments (Exif, with GPS, camera serial number, owner name and thumbnail; XMP and
//     extended XMP) are removed. Every other APPn and COM is removed too (IPTC in APP13, C2PA/JUMBF in
//     APP11, MPF in APP2, comments), except JFIF/JFXX (APP0), the ICC colour profile (APP2) and Adobe
//     (APP14, needed for the colour transform). The Exif orientation, a single number, is carried
//     over into a new minimal Exif segment so that portrait photos still show upright. Anything after
//     the end-of-image marker (appended motion-photo videos, second MPF images, vendor trailers) is
//     dropped. Frame, table and scan segments and the entropy-coded image data are copied as they are.
//   - PNG: eXIf, tEXt, iTXt and zTXt chunks are removed, and with them every other ancillary chunk
//     not needed for display (tIME, C2PA caBX, private chunks). Kept: all critical chunks and tRNS,
//     gAMA, cHRM, sRGB, iCCP, sBIT, bKGD, pHYs, hIST, sPLT, cICP, mDCV, cLLI and the APNG chunks.
//     Kept chunks are copied with their CRCs; data after IEND is dropped.
//   - WebP: the EXIF and "XMP " chunks are removed, their flags cleared in VP8X and the RIFF size
//     rewritten; nothing else changes.
//   - HEIC: converted to JPEG (decoded by libheif, encoded by image/jpeg, which writes no
//     metadata), upright (see heicToJPEG). Only the primary image is kept: no depth map, no
//     thumbnail, no Live Photo link. A photo of more than l.MaxPixels, or one the decoder cannot
//     read, is stored as it came, not sanitized.
//   - PDF: rewritten by pdfcpu without the Info dictionary (Author, Creator, Producer, dates,
//     custom keys; a new one names only pdfcpu), without any XMP metadata stream or PieceInfo, with
//     comment authors removed and JPEG images stripped as above (phone scans often embed the
//     camera's JPEG, GPS included). The rewrite is read back and validated. An encrypted PDF, one
//     with embedded files, or one pdfcpu cannot read is stored as it came, not sanitized. The
//     text and pictures of the pages are the evidence and stay as they are.
//
// Other types are stored unchanged, metadata included, and marked not sanitized:
//
//   - MP4, QuickTime, 3GP, M4A: phones write the recording place in moov/udta ("©xyz") or in
//     QuickTime metadata keys (com.apple.quicktime.location.ISO6709); moov's sample tables hold
//     absolute offsets into mdat, so removing bytes means remuxing the file, and no maintained
//     pure-Go ISO BMFF writer is available to this build.
//   - MP3, AAC, WAV: ID3 and RIFF INFO tags seldom hold a place but may hold a name.
//
// Such files are served only to those who may read the reporter's identity (casework.OpenEvidence);
// clients should remove location before upload.
//
// The cleaned JPEG or PNG header is read back with image/jpeg or image/png (DecodeConfig, which
// decodes no pixels); a file failing that is refused as damaged.
//
// Errors the person can fix are *apperr.Error (BAD_USER_INPUT) on field contentType (unknown
// declared type), size (empty, too large) or file (unrecognised, mismatched or damaged content);
// a failing r gives its error, wrapped.
func (l Limits) Sanitize(ctx context.Context, contentType string, r io.Reader, max int64) (File, error) {
	if max <= 0 {
		return File{}, errors.New("evidence: Sanitize with max <= 0")
	}
	if l.MaxBytes > 0 {
		max = min(max, l.MaxBytes)
	}
	declared := Canonical(contentType)
	want, ok := family[declared]
	if !ok {
		return File{}, apperr.New(apperr.BadUserInput,
			"Loại tệp này không được chấp nhận.", "This file type is not accepted.").OnField(FieldContentType)
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return File{}, fmt.Errorf("evidence: reading the upload: %w", err)
	}
	if int64(len(data)) > max {
		return File{}, tooLargeError(max)
	}
	if len(data) == 0 {
		return File{}, emptyError()
	}
	h := sha256.Sum256(data)
	f := File{SHA256: hex.EncodeToString(h[:]), Sniffed: Sniff(data)}
	f.Type = f.Sniffed

	got, ok := family[f.Sniffed]
	if !ok {
		return File{}, apperr.New(apperr.BadUserInput,
			"Không nhận ra định dạng của tệp, hoặc định dạng này không được chấp nhận.",
			"The file's format is not recognised or not accepted.").OnField(FieldFile)
	}
	if got != want {
		return File{}, apperr.New(apperr.BadUserInput,
			"Nội dung tệp không khớp với loại tệp đã khai báo.",
			"The file's content does not match its declared type.").OnField(FieldFile)
	}

	switch f.Sniffed {
	case JPEG:
		f.Data, err = stripJPEG(data)
		if err == nil {
			_, err = jpeg.DecodeConfig(bytes.NewReader(f.Data))
			var unsupported jpeg.UnsupportedError // e.g. arithmetic coding: valid, just not decoded by Go
			if errors.As(err, &unsupported) {
				err = nil
			}
		}
		f.Sanitized = true
	case PNG:
		f.Data, err = stripPNG(data)
		if err == nil {
			_, err = png.DecodeConfig(bytes.NewReader(f.Data))
			var unsupported png.UnsupportedError
			if errors.As(err, &unsupported) {
				err = nil
			}
		}
		f.Sanitized = true
	case WebP:
		f.Data, err = stripWebP(data)
		f.Sanitized = true
	case HEIC:
		j, cerr := heicToJPEG(ctx, data, l.maxPixels())
		switch {
		case cerr == nil:
			f.Data, f.Type, f.Sanitized = j, JPEG, true
		case ctx.Err() != nil: // the request ended while waiting or converting: nothing is kept
			return File{}, fmt.Errorf("evidence: converting a HEIC photo: %w", ctx.Err())
		default:
			f.Data = data
		}
	case PDF:
		p, cerr := cleanPDF(ctx, data, l.maxInflated())
		switch {
		case cerr == nil:
			f.Data, f.Sanitized = p, true
		case ctx.Err() != nil:
			return File{}, fmt.Errorf("evidence: cleaning a PDF: %w", ctx.Err())
		default:
			f.Data = data
		}
	default:
		f.Data = data
	}
	if err != nil {
		return File{}, fmt.Errorf("evidence: %s: %v: %w", f.Sniffed, err, apperr.New(apperr.BadUserInput,
			"Tệp bị hỏng hoặc không đọc được.", "The file is damaged or cannot be read.").OnField(FieldFile))
	}
	return f, nil
}

var errTruncated = errors.New("truncated")

// stripJPEG copies a JPEG marker by marker, leaving out the metadata segments (see Sanitize).
func stripJPEG(b []byte) ([]byte, error) {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return nil, errors.New("no start-of-image marker")
	}
	out := make([]byte, 0, len(b))
	out = append(out, 0xFF, 0xD8)
	orientation := false // whether an orientation segment has been written
	pos := 2
	for {
		// Next marker: skip stray bytes (decoders do, with a warning) and 0xFF fill bytes.
		for pos < len(b) && b[pos] != 0xFF {
			pos++
		}
		for pos < len(b) && b[pos] == 0xFF {
			pos++
		}
		if pos >= len(b) {
			return out, nil // no end-of-image marker: keep what there is, as viewers do
		}
		m := b[pos]
		pos++
		switch {
		case m == 0xD9: // EOI: whatever follows is not part of the image
			return append(out, 0xFF, 0xD9), nil
		case m >= 0xD0 && m <= 0xD7, m == 0x01: // RSTn, TEM: no length
			out = append(out, 0xFF, m)
			continue
		case m == 0x00, m == 0xD8:
			return nil, fmt.Errorf("unexpected marker 0x%02X at %d", m, pos-1)
		}
		if pos+2 > len(b) {
			return nil, errTruncated
		}
		n := int(b[pos])<<8 | int(b[pos+1])
		if n < 2 || pos+n > len(b) {
			return nil, fmt.Errorf("segment 0x%02X at %d: bad length %d", m, pos-1, n)
		}
		payload := b[pos+2 : pos+n]
		seg := b[pos : pos+n]
		pos += n
		switch {
		case m == 0xE1: // APP1: Exif, XMP, extended XMP
			if v := exifOrientation(payload); v > 1 && !orientation {
				out = append(out, orientationSegment(v)...)
				orientation = true
			}
			continue
		case m == 0xE0 && !(bytes.HasPrefix(payload, []byte("JFIF\x00")) || bytes.HasPrefix(payload, []byte("JFXX\x00"))),
			m == 0xE2 && !bytes.HasPrefix(payload, []byte("ICC_PROFILE\x00")),
			m == 0xEE && !bytes.HasPrefix(payload, []byte("Adobe")),
			m >= 0xE3 && m <= 0xEF && m != 0xEE,
			m == 0xFE: // COM
			continue
		}
		out = append(out, 0xFF, m)
		out = append(out, seg...)
		if m != 0xDA {
			continue
		}
		// SOS: entropy-coded data follows, up to the next marker that is neither a stuffed 0xFF00
		// nor a restart marker.
		start := pos
		for pos < len(b) {
			if b[pos] != 0xFF {
				pos++
				continue
			}
			if pos+1 < len(b) {
				if next := b[pos+1]; next == 0x00 || next >= 0xD0 && next <= 0xD7 {
					pos += 2
					continue
				}
			}
			break
		}
		out = append(out, b[start:pos]...)
	}
}

// exifOrientation returns the Orientation (tag 0x0112) of IFD0 in an APP1 Exif payload, or 0.
func exifOrientation(p []byte) int {
	const header = "Exif\x00\x00"
	if !bytes.HasPrefix(p, []byte(header)) {
		return 0
	}
	t := p[len(header):] // a TIFF file: offsets below are from its start
	if len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 0
	}
	off := uint64(bo.Uint32(t[4:8]))
	if off < 8 || off+2 > uint64(len(t)) {
		return 0
	}
	count := int(bo.Uint16(t[off:]))
	e := int(off) + 2
	for range count {
		if e+12 > len(t) {
			return 0
		}
		if bo.Uint16(t[e:]) == 0x0112 {
			// type SHORT (3), count 1: the value sits in the first two bytes of the value field
			if bo.Uint16(t[e+2:]) != 3 || bo.Uint32(t[e+4:]) != 1 {
				return 0
			}
			if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 0
		}
		e += 12
	}
	return 0
}

// orientationSegment returns an APP1 Exif segment whose only content is the Orientation v.
func orientationSegment(v int) []byte {
	return []byte{
		0xFF, 0xE1, 0x00, 34, // APP1, length 34 (itself included)
		'E', 'x', 'i', 'f', 0, 0,
		'M', 'M', 0, 42, 0, 0, 0, 8, // big-endian TIFF header, IFD0 at offset 8
		0, 1, // one entry
		0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, byte(v), 0, 0, // Orientation, SHORT, count 1, v
		0, 0, 0, 0, // no next IFD
	}
}

// pngKeep lists the ancillary chunks that affect display; every other ancillary chunk is dropped.
var pngKeep = map[string]bool{
	"tRNS": true, "gAMA": true, "cHRM": true, "sRGB": true, "iCCP": true, "sBIT": true, "bKGD": true,
	"pHYs": true, "hIST": true, "sPLT": true, "cICP": true, "mDCV": true, "mDCv": true, "cLLI": true,
	"cLLi": true, "acTL": true, "fcTL": true, "fdAT": true,
}

// stripPNG copies a PNG chunk by chunk, leaving out the metadata chunks (see Sanitize).
func stripPNG(b []byte) ([]byte, error) {
	const sig = "\x89PNG\r\n\x1a\n"
	if !bytes.HasPrefix(b, []byte(sig)) {
		return nil, errors.New("no PNG signature")
	}
	out := make([]byte, 0, len(b))
	out = append(out, sig...)
	pos := len(sig)
	for {
		if pos+8 > len(b) {
			return nil, errors.New("no IEND chunk")
		}
		n := uint64(binary.BigEndian.Uint32(b[pos:]))
		if n > 1<<31-1 || uint64(pos)+12+n > uint64(len(b)) {
			return nil, fmt.Errorf("chunk at %d: bad length %d", pos, n)
		}
		typ := b[pos+4 : pos+8]
		for _, c := range typ {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				return nil, fmt.Errorf("chunk at %d: bad type %q", pos, typ)
			}
		}
		end := pos + 12 + int(n)
		critical := typ[0]&0x20 == 0 // upper-case first letter
		if critical || pngKeep[string(typ)] {
			out = append(out, b[pos:end]...)
		}
		pos = end
		if string(typ) == "IEND" {
			return out, nil
		}
	}
}

// stripWebP copies a WebP RIFF container leaving out the EXIF and XMP chunks (see Sanitize).
func stripWebP(b []byte) ([]byte, error) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return nil, errors.New("no RIFF WEBP header")
	}
	end := uint64(binary.LittleEndian.Uint32(b[4:8])) + 8
	if end > uint64(len(b)) || end < 12 {
		return nil, fmt.Errorf("bad RIFF size %d for %d bytes", end-8, len(b))
	}
	out := make([]byte, 0, end)
	out = append(out, b[:12]...)
	pos := uint64(12)
	for pos < end {
		if pos+8 > end {
			return nil, errTruncated
		}
		n := uint64(binary.LittleEndian.Uint32(b[pos+4:]))
		cend := pos + 8 + n
		if cend > end {
			return nil, fmt.Errorf("chunk at %d: bad length %d", pos, n)
		}
		switch fourcc := string(b[pos : pos+4]); fourcc {
		case "EXIF", "XMP ":
		default:
			start := len(out)
			out = append(out, b[pos:cend]...)
			if n%2 == 1 {
				out = append(out, 0) // chunks are padded to an even size
			}
			if fourcc == "VP8X" && n >= 10 {
				out[start+8] &^= 0x08 | 0x04 // flags: Exif and XMP metadata present
			}
		}
		pos = min(cend+cend%2, end)
	}
	binary.LittleEndian.PutUint32(out[4:8], uint32(len(out)-8))
	return out, nil
}
