package evidence

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/ascii85"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// pdfcpu otherwise reads (and on a problem exits the process over) a configuration directory.
var pdfNoConfig = sync.OnceFunc(api.DisableConfigDir)

var errPDFNotCleanable = errors.New("not cleanable")

// pdfSlots makes PDFs rewritten one at a time: pdfcpu holds the whole document, its object
// streams decoded, in memory. A process-wide resource guard, like heicSlots.
var pdfSlots = make(chan struct{}, 1)

// cleanPDF rewrites a PDF without its metadata (see Sanitize). It returns errPDFNotCleanable,
// wrapped, for a PDF it will not vouch for: encrypted, carrying embedded files (each has its own
// metadata, which nothing here reads), or whose compressed streams expand beyond maxInflated (a
// compression bomb: pdfcpu would decode its object streams whole, in memory). It waits for its
// slot and reads only while rc (the request's context) lasts, and then returns rc's error.
func cleanPDF(rc context.Context, data []byte, maxInflated int64) (out []byte, err error) {
	pdfNoConfig()
	if err := inflateBounded(rc, data, maxInflated); err != nil {
		return nil, err
	}
	release, err := takeSlot(rc, pdfSlots)
	if err != nil {
		return nil, err
	}
	defer release()
	defer func() { // a parser of hostile input: a panic in it is a file it cannot read
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("pdfcpu: %v", r)
		}
	}()
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	// Plain objects (no object streams): what is left in the file can be seen in its bytes.
	conf.WriteObjectStream = false
	conf.WriteXRefStream = false
	ctx, err := pdfcpu.ReadWithContext(rc, bytes.NewReader(data), conf)
	if err != nil {
		return nil, err
	}
	if ctx.Encrypt != nil {
		return nil, fmt.Errorf("encrypted: %w", errPDFNotCleanable)
	}
	if err := rc.Err(); err != nil {
		return nil, err
	}
	if err := api.ValidateContext(ctx); err != nil {
		return nil, err
	}
	// The Info dictionary (Title, Author, Subject, Keywords, Creator, Producer, dates and any
	// custom key): pdfcpu writes a new one holding only its own name and the dates of writing.
	ctx.Info = nil
	for nr, e := range ctx.Table {
		if e == nil || e.Free || e.Object == nil {
			continue
		}
		switch o := e.Object.(type) {
		case types.Dict:
			if err := cleanPDFDict(o); err != nil {
				return nil, err
			}
		case types.StreamDict:
			if err := cleanPDFDict(o.Dict); err != nil {
				return nil, err
			}
			if t := o.Type(); t != nil && *t == "EmbeddedFile" {
				return nil, fmt.Errorf("embedded file: %w", errPDFNotCleanable)
			}
			// A photo in the page is often the camera's JPEG as it was, Exif and GPS included.
			if dctBehindOtherFilters(o.FilterPipeline) {
				// A JPEG under another filter (FlateDecode over DCTDecode) is not rewritten here.
				return nil, fmt.Errorf("image object %d: JPEG behind other filters: %w", nr, errPDFNotCleanable)
			}
			if len(o.FilterPipeline) == 1 && o.FilterPipeline[0].Name == "DCTDecode" && o.Raw != nil {
				raw, err := stripJPEG(o.Raw)
				if err != nil {
					return nil, fmt.Errorf("image object %d: %w", nr, err)
				}
				o.Raw = raw
				n := int64(len(raw))
				o.StreamLength = &n
				o.Update("Length", types.Integer(n))
				e.Object = o
			}
		}
	}
	if err := rc.Err(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := api.WriteContext(ctx, &b); err != nil {
		return nil, err
	}
	// Read back what was written: a rewrite that does not parse is not stored.
	check, err := pdfcpu.ReadWithContext(rc, bytes.NewReader(b.Bytes()), conf)
	if err != nil {
		return nil, fmt.Errorf("reading the cleaned PDF: %w", err)
	}
	if err := api.ValidateContext(check); err != nil {
		return nil, fmt.Errorf("validating the cleaned PDF: %w", err)
	}
	return b.Bytes(), nil
}

// cleanPDFDict drops a dictionary's XMP metadata stream (document, page, image, font: any
// object may have one), its private application data (PieceInfo) and, in a markup annotation
// (a comment), its author (T). A form field keeps T: there it is the field's name.
func cleanPDFDict(d types.Dict) error {
	d.Delete("Metadata")
	d.Delete("PieceInfo")
	if d["EF"] != nil || d["EmbeddedFiles"] != nil {
		return fmt.Errorf("embedded files: %w", errPDFNotCleanable)
	}
	if names := d.DictEntry("Names"); names != nil && names["EmbeddedFiles"] != nil {
		return fmt.Errorf("embedded files: %w", errPDFNotCleanable)
	}
	if st := d.Subtype(); st != nil && d["Rect"] != nil && pdfMarkup[*st] { // Type is optional in an annotation
		if *st == "FileAttachment" {
			return fmt.Errorf("file attachment: %w", errPDFNotCleanable)
		}
		d.Delete("T")
	}
	return nil
}

// pdfMarkup lists the annotation subtypes whose T entry is the author's name (PDF 32000-1 12.5.6.2).
var pdfMarkup = map[string]bool{
	"Text": true, "FreeText": true, "Line": true, "Square": true, "Circle": true, "Polygon": true,
	"PolyLine": true, "Highlight": true, "Underline": true, "Squiggly": true, "StrikeOut": true,
	"Stamp": true, "Caret": true, "Ink": true, "FileAttachment": true, "Sound": true, "Redact": true,
}

// dctBehindOtherFilters reports whether a stream holds a JPEG under more filters than DCTDecode
// alone: its Exif cannot be removed without decoding the others.
func dctBehindOtherFilters(fs []types.PDFFilter) bool {
	if len(fs) < 2 {
		return false
	}
	for _, f := range fs {
		if f.Name == "DCTDecode" {
			return true
		}
	}
	return false
}

var errInflatesTooMuch = errors.New("compressed streams expand beyond the limit")

// inflateBounded reads every compressed stream of a PDF without keeping what it expands to, and
// returns errPDFNotCleanable, wrapped, when they expand beyond max in all. A stream's data begins
// after the keyword "stream" and its end of line, whatever the object's dictionary says, so every
// such place is tried: zlib (FlateDecode) as it is, and under ASCII85Decode and ASCIIHexDecode,
// the encodings found in front of it. A place that is not a zlib stream fails at its first bytes.
// LZWDecode, the other expanding filter, is obsolete (PDF 1.2 replaced it): a PDF naming it is not
// rewritten.
func inflateBounded(ctx context.Context, data []byte, max int64) error {
	if namesLZW(data) {
		return fmt.Errorf("LZWDecode: %w", errPDFNotCleanable)
	}
	var total int64
	for rest := data; ; {
		i := bytes.Index(rest, []byte("stream"))
		if i < 0 {
			return nil
		}
		start := i + len("stream")
		if start < len(rest) && rest[start] == '\r' {
			start++
		}
		if start < len(rest) && rest[start] == '\n' {
			start++
		}
		body := rest[start:]
		for _, r := range []io.Reader{bytes.NewReader(body), ascii85.NewDecoder(bytes.NewReader(body)), hexReader(body)} {
			n, err := inflatedSize(r, max-total+1)
			if err != nil && n == 0 {
				continue
			}
			total += n
			break
		}
		if total > max {
			return fmt.Errorf("%w (%d bytes): %w", errInflatesTooMuch, max, errPDFNotCleanable)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rest = rest[start:]
	}
}

// namesLZW reports whether a PDF names the LZWDecode filter, also spelt with #xx escapes
// ("/LZ#57Decode" is the same name).
func namesLZW(data []byte) bool {
	if bytes.Contains(data, []byte("LZW")) {
		return true
	}
	for rest := data; ; {
		i := bytes.IndexByte(rest, '/')
		if i < 0 {
			return false
		}
		rest = rest[i+1:]
		end := bytes.IndexAny(rest, " \t\r\n\f\x00/[]<>(){}%")
		if end < 0 {
			end = len(rest)
		}
		name := rest[:end]
		if bytes.IndexByte(name, '#') < 0 {
			continue
		}
		var plain []byte
		for j := 0; j < len(name); j++ {
			if name[j] == '#' && j+2 < len(name) {
				var v byte
				if _, err := fmt.Sscanf(string(name[j+1:j+3]), "%02x", &v); err == nil {
					plain = append(plain, v)
					j += 2
					continue
				}
			}
			plain = append(plain, name[j])
		}
		if bytes.Contains(bytes.ToUpper(plain), []byte("LZW")) {
			return true
		}
	}
}

// inflatedSize is how many bytes the zlib stream r expands to, read up to limit.
func inflatedSize(r io.Reader, limit int64) (int64, error) {
	z, err := zlib.NewReader(r)
	if err != nil {
		return 0, err
	}
	defer z.Close()
	return io.Copy(io.Discard, io.LimitReader(z, limit))
}

// hexReader decodes ASCIIHexDecode data: hex digits, white space ignored, up to '>'.
func hexReader(b []byte) io.Reader {
	return &hexDecoder{b: b}
}

type hexDecoder struct {
	b    []byte
	half int // -1: no pending digit
	init bool
}

func (h *hexDecoder) Read(p []byte) (int, error) {
	if !h.init {
		h.half, h.init = -1, true
	}
	n := 0
	for n < len(p) && len(h.b) > 0 {
		c := h.b[0]
		h.b = h.b[1:]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'a' && c <= 'f':
			v = int(c-'a') + 10
		case c >= 'A' && c <= 'F':
			v = int(c-'A') + 10
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == 0:
			continue
		default: // '>' ends the data; anything else is not hex data
			h.b = nil
			continue
		}
		if h.half < 0 {
			h.half = v
			continue
		}
		p[n] = byte(h.half<<4 | v)
		n++
		h.half = -1
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}
