package evidence

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// pdfcpu otherwise reads (and on a problem exits the process over) a configuration directory.
var pdfNoConfig = sync.OnceFunc(api.DisableConfigDir)

var errPDFNotCleanable = errors.New("not cleanable")

// cleanPDF rewrites a PDF without its metadata (see Sanitize). It returns errPDFNotCleanable,
// wrapped, for a PDF it will not vouch for: encrypted, or carrying embedded files (each has its
// own metadata, which nothing here reads).
func cleanPDF(data []byte) (out []byte, err error) {
	pdfNoConfig()
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
	ctx, err := api.ReadContext(bytes.NewReader(data), conf)
	if err != nil {
		return nil, err
	}
	if ctx.Encrypt != nil {
		return nil, fmt.Errorf("encrypted: %w", errPDFNotCleanable)
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
	var b bytes.Buffer
	if err := api.WriteContext(ctx, &b); err != nil {
		return nil, err
	}
	// Read back what was written: a rewrite that does not parse is not stored.
	check, err := api.ReadContext(bytes.NewReader(b.Bytes()), conf)
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
