package evidence

import (
	"bytes"
	"errors"
	"fmt"
	"image/jpeg"

	"github.com/gen2brain/heic"
)

// heicSlots bounds how many HEIC photos are decoded at once: a 12-megapixel photo takes about
// a hundred megabytes while it is converted (see README), and uploads arrive concurrently. It is
// a process-wide resource guard, like the decoder's own WebAssembly runtime, not configuration.
var heicSlots = make(chan struct{}, 2)

var (
	errTooManyPixels = errors.New("more pixels than the limit")
	errTooNarrow     = errors.New("narrower than the decoder wrapper handles")
)

// minHEICWidth: github.com/gen2brain/heic v0.4.5 lays out the decoded planes with rows rounded
// up to 16 bytes, but libheif's rows are at least 64 bytes, so photos up to 96 pixels wide (chroma
// rows under 64 bytes) come out scrambled (measured: 96 wide is wrong, 97 right). No evidence photo
// is that small (100 keeps a margin); such a file is kept as it came, not sanitized.
const minHEICWidth = 100

// heicToJPEG decodes the primary image of a HEIC file and encodes it again as a JPEG, which
// carries none of the HEIC's metadata items (Exif with GPS, XMP): image/jpeg writes no Exif.
//
// libheif applies the container's rotation and mirroring (irot, imir) and crop (clap) while
// decoding, so the pixels come out the way the photo is meant to be shown and the JPEG needs no
// orientation tag. The Exif orientation inside a HEIC is ignored, as the HEIF standard says
// (iPhones write both, the same way).
//
// The dimensions are read first (the header only) and a photo of more than maxPixels, or
// narrower than minHEICWidth, is not decoded. The decoder is libheif and libde265 compiled to
// WebAssembly and run by wazero: no cgo, and the decoder's memory is its own, freed after each
// photo.
func heicToJPEG(data []byte, maxPixels int64) ([]byte, error) {
	cfg, err := heic.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, fmt.Errorf("%dx%d: %w", cfg.Width, cfg.Height, errTooManyPixels)
	}
	if cfg.Width < minHEICWidth {
		return nil, fmt.Errorf("%dx%d: %w", cfg.Width, cfg.Height, errTooNarrow)
	}
	heicSlots <- struct{}{}
	defer func() { <-heicSlots }()
	img, err := heic.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Grow(len(data) * 2)
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
