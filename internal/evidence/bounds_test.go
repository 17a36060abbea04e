package evidence

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/ascii85"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"
)

// boundPDF is a one-page PDF whose content stream is 8 MiB of spaces compressed with filter
// (FlateDecode under an encoding, or not): about 8 KiB on the wire, a thousand times more once
// inflated, as a compression bomb is.
func boundPDF(t *testing.T, filter string, encode func([]byte) []byte) []byte {
	t.Helper()
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	_, _ = zw.Write([]byte("BT /F1 12 Tf 20 150 Td (Bang chung) Tj ET"))
	_, _ = zw.Write(bytes.Repeat([]byte(" "), 8<<20))
	_ = zw.Close()
	data := encode(z.Bytes())
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Filter %s /Length %d >>\nstream\n%s\nendstream", filter, len(data), data),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		"<< /Author (InfoAuthor Nguyen) >>",
	}
	return writePDF(objs, 6)
}

// TestPDFInflationBound: a PDF whose streams expand beyond MaxInflated is kept as it came and not
// sanitized (pdfcpu would have expanded it in memory), whether its FlateDecode data is raw or
// under ASCII85Decode or ASCIIHexDecode; under the default bound the same files are cleaned. A PDF
// naming LZWDecode, even spelt with # escapes, is not rewritten.
func TestPDFInflationBound(t *testing.T) {
	pdfNoConfig()
	a85 := func(b []byte) []byte {
		out := make([]byte, ascii85.MaxEncodedLen(len(b)))
		return append(out[:ascii85.Encode(out, b)], "~>"...)
	}
	hexed := func(b []byte) []byte { return append([]byte(hex.EncodeToString(b)), '>') }
	small := DefaultLimits()
	small.MaxInflated = 1 << 20
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"FlateDecode", boundPDF(t, "/FlateDecode", func(b []byte) []byte { return b })},
		{"ASCII85Decode, FlateDecode", boundPDF(t, "[/ASCII85Decode /FlateDecode]", a85)},
		{"ASCIIHexDecode, FlateDecode", boundPDF(t, "[/ASCIIHexDecode /FlateDecode]", hexed)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.data) > 64<<10 {
				t.Fatalf("the test PDF is %d bytes, not a bomb", len(tt.data))
			}
			f, err := small.Sanitize(context.Background(), "application/pdf", bytes.NewReader(tt.data), int64(len(tt.data)))
			if err != nil {
				t.Fatal(err)
			}
			if f.Sanitized || !bytes.Equal(f.Data, tt.data) {
				t.Errorf("beyond the bound: sanitized %v, changed %v", f.Sanitized, !bytes.Equal(f.Data, tt.data))
			}
			f, err = DefaultLimits().Sanitize(context.Background(), "application/pdf", bytes.NewReader(tt.data), int64(len(tt.data)))
			if err != nil {
				t.Fatal(err)
			}
			if !f.Sanitized || bytes.Contains(f.Data, []byte("InfoAuthor")) {
				t.Errorf("within the default bound: sanitized %v, author left %v", f.Sanitized, bytes.Contains(f.Data, []byte("InfoAuthor")))
			}
		})
	}
	for _, name := range []string{"/LZWDecode", "/LZ#57Decode", "/#4c#5a#57Decode"} {
		if !namesLZW([]byte("1 0 obj << /Filter " + name + " >> endobj")) {
			t.Errorf("%s: not seen as LZWDecode", name)
		}
	}
	if namesLZW([]byte("<< /BaseFont /ABCDEF+Times#20New#20Roman /Filter /FlateDecode >>")) {
		t.Error("a font name with #20 escapes taken for LZWDecode")
	}
}

// TestConversionWaitsWithinTheRequest: a PDF or HEIC waiting for the one conversion slot gives up
// when its request's context ends, and a PDF is not cleaned for a request already over; the error
// is the context's, not a file "kept as it came".
func TestConversionWaitsWithinTheRequest(t *testing.T) {
	pdfNoConfig()
	pdf := testPDF(t, false)
	heic := readFile(t, "gps.heic")
	for _, tt := range []struct {
		name  string
		slots chan struct{}
		typ   string
		data  []byte
	}{{"PDF", pdfSlots, "application/pdf", pdf}, {"HEIC", heicSlots, "image/heic", heic}} {
		t.Run(tt.name, func(t *testing.T) {
			tt.slots <- struct{}{} // another upload converting
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			_, err := DefaultLimits().Sanitize(ctx, tt.typ, bytes.NewReader(tt.data), int64(len(tt.data)))
			<-tt.slots
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("waiting past the deadline: %v, want the deadline's error", err)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := DefaultLimits().Sanitize(ctx, "application/pdf", bytes.NewReader(pdf), int64(len(pdf))); !errors.Is(err, context.Canceled) {
		t.Errorf("a PDF for a request already over: %v", err)
	}
}
