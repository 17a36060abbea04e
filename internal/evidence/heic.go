package evidence

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"

	"github.com/gen2brain/heic"
	"go4.org/media/heif/bmff"
)

// heicSlots makes HEIC photos decoded one at a time: converting one costs about 30 bytes per
// pixel (measured: 12 MP, 350 MB peak; 24 MP, 750 MB; see README), and uploads arrive
// concurrently. It is a process-wide resource guard, like the decoder's own WebAssembly runtime,
// not configuration.
var heicSlots = make(chan struct{}, 1)

// takeSlot waits for a place in slots, or for ctx to end (a request past its deadline gives up its
// place in the queue instead of converting for nobody); release gives the place back.
func takeSlot(ctx context.Context, slots chan struct{}) (release func(), err error) {
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

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
// The dimensions are read first (see heifSize) and a photo of more than maxPixels, or narrower
// than minHEICWidth, is not decoded. The decoder is libheif and libde265 compiled to
// WebAssembly and run by wazero: no cgo, and the decoder's memory is its own, freed after each
// photo. What the boxes cannot bound: an HEVC stream declaring a larger picture than its ispe
// makes the decoder allocate for that picture (at most the 4 GiB of 32-bit WebAssembly) before
// the size check after decoding refuses it.
func heicToJPEG(ctx context.Context, data []byte, maxPixels int64) ([]byte, error) {
	w, h, err := heifSize(data, maxPixels)
	if err != nil {
		return nil, err
	}
	if w < minHEICWidth {
		return nil, fmt.Errorf("%dx%d: %w", w, h, errTooNarrow)
	}
	release, err := takeSlot(ctx, heicSlots)
	if err != nil {
		return nil, err
	}
	defer release()
	img, err := heic.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h { // the boxes said otherwise: not the photo we bounded
		return nil, fmt.Errorf("decoded %v, boxes say %dx%d", b, w, h)
	}
	var b bytes.Buffer
	b.Grow(len(data) * 2)
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// heifSize returns the displayed width and height of a HEIF file's primary image, read from its
// boxes without decoding (the ispe and irot properties, parsed by go4.org/media/heif/bmff), and
// checks that the decoder's work is bounded: at most maxPixels in the primary image, and twice
// that in all image items together (the tiles of a grid, which may overhang its edges, and
// thumbnails). heic.DecodeConfig cannot do this: it hands libheif the first 32 KiB only, which
// fails for any photo whose data lies beyond. (go4.org/media/heif's File is not used either: its
// iloc parser misreads a base offset, which libheif writes.)
func heifSize(data []byte, maxPixels int64) (w, h int, err error) {
	defer func() { // a parser of hostile input: a panic in it is a file it cannot read
		if r := recover(); r != nil {
			err = fmt.Errorf("heif: %v", r)
		}
	}()
	r := bmff.NewReader(bytes.NewReader(data))
	if _, err := r.ReadAndParseBox(bmff.TypeFtyp); err != nil {
		return 0, 0, err
	}
	b, err := r.ReadAndParseBox(bmff.TypeMeta)
	if err != nil {
		return 0, 0, err
	}
	var (
		primary uint32
		props   *bmff.ItemPropertiesBox
	)
	for _, c := range b.(*bmff.MetaBox).Children {
		p, err := c.Parse()
		if err != nil {
			continue // boxes the package does not know, or misreads (iloc), and that are not needed here
		}
		switch v := p.(type) {
		case *bmff.PrimaryItemBox:
			primary = uint32(v.ItemID)
		case *bmff.ItemPropertiesBox:
			props = v
		}
	}
	if primary == 0 || props == nil || props.PropertyContainer == nil {
		return 0, 0, errors.New("heif: no primary item or no item properties")
	}
	var (
		all      int64
		rotation int
	)
	for _, a := range props.Associations {
		for _, e := range a.Entries {
			for _, ip := range e.Associations {
				i := int(ip.Index) - 1 // 1-based; 0 means none
				if i < 0 || i >= len(props.PropertyContainer.Properties) {
					continue
				}
				prop, err := props.PropertyContainer.Properties[i].Parse()
				if err != nil {
					continue // properties the package does not know (hvcC, colr, pixi, ...)
				}
				switch x := prop.(type) {
				case *bmff.ImageSpatialExtentsProperty:
					all += int64(x.ImageWidth) * int64(x.ImageHeight)
					if e.ItemID == primary {
						w, h = int(x.ImageWidth), int(x.ImageHeight)
					}
				case *bmff.ImageRotation:
					if e.ItemID == primary {
						rotation = int(x.Angle)
					}
				}
			}
		}
	}
	if w <= 0 || h <= 0 {
		return 0, 0, errors.New("heif: primary image without dimensions")
	}
	if rotation%2 == 1 {
		w, h = h, w
	}
	if int64(w)*int64(h) > maxPixels || all > 2*maxPixels {
		return 0, 0, fmt.Errorf("%dx%d, %d pixels in all items: %w", w, h, all, errTooManyPixels)
	}
	return w, h, nil
}
