package evidence

import (
	"encoding/binary"
	"net/http"
	"slices"
)

// Sniff returns the canonical content type of data as its bytes show it. It first reads the magic
// numbers http.DetectContentType misses or lumps together: the ISO base media "ftyp" brands (HEIC,
// MP4, QuickTime, 3GP, M4A; QuickTime files older than ftyp start with a moov, mdat, wide, free,
// skip or pnot atom), AAC in ADTS frames and MPEG audio frames (with or without an ID3 tag). Then
// http.DetectContentType (JPEG, PNG, WebP, PDF, WAV, ...). The result is "application/octet-stream"
// or another type outside the known ones when the bytes are none of them.
//
// MPEG audio has a 11-bit frame sync only, so a few other binary files may sniff as audio/mpeg;
// such a file is still refused unless it was declared as audio or video.
func Sniff(data []byte) string {
	if t := sniffISOBMFF(data); t != "" {
		return t
	}
	if t := sniffMPEGAudio(data); t != "" {
		return t
	}
	return Canonical(http.DetectContentType(data))
}

var (
	heicBrands = []string{"heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs"}
	avifBrands = []string{"avif", "avis"}
	m4aBrands  = []string{"M4A ", "M4B ", "M4P "}
	mp4Brands  = []string{
		"isom", "iso2", "iso3", "iso4", "iso5", "iso6", "iso7", "iso8", "iso9",
		"mp41", "mp42", "mp71", "avc1", "M4V ", "M4VH", "M4VP", "dash", "MSNV", "mmp4", "XAVC", "f4v ",
	}
	mp4Compatible = []string{"isom", "iso2", "mp41", "mp42"} // another major brand, but an MP4 still
)

// sniffISOBMFF reads an ISO base media / QuickTime file's first box.
func sniffISOBMFF(b []byte) string {
	if len(b) < 12 {
		return ""
	}
	switch string(b[4:8]) {
	case "ftyp":
	case "moov", "mdat", "wide", "free", "skip", "pnot":
		return QuickTime
	default:
		return ""
	}
	size := int(binary.BigEndian.Uint32(b))
	if size < 16 || size%4 != 0 {
		return ""
	}
	end := min(size, len(b))
	major := string(b[8:12])
	brands := []string{major}
	for i := 16; i+4 <= end; i += 4 { // after the major brand comes a minor version, then the rest
		brands = append(brands, string(b[i:i+4]))
	}
	hasAny := func(set []string) bool {
		return slices.ContainsFunc(brands, func(s string) bool { return slices.Contains(set, s) })
	}
	switch {
	case slices.Contains(heicBrands, major):
		return HEIC
	case slices.Contains(avifBrands, major):
		return "image/avif"
	case major == "mif1" || major == "msf1": // generic HEIF: HEIC or AVIF by the other brands
		if hasAny(avifBrands) {
			return "image/avif"
		}
		return HEIC
	case slices.Contains(m4aBrands, major):
		return M4A
	case major == "qt  ":
		return QuickTime
	case major[:2] == "3g": // 3gp4..3gp9, 3g2a.., 3ge6, 3gg6, 3gr6, 3gs7, ...
		return ThreeGP
	case slices.Contains(mp4Brands, major), hasAny(mp4Compatible):
		return MP4
	}
	return "application/octet-stream"
}

// sniffMPEGAudio recognises AAC in ADTS frames and MPEG-1/2 audio (MP3), after an optional ID3v2 tag.
func sniffMPEGAudio(b []byte) string {
	if len(b) >= 10 && string(b[:3]) == "ID3" {
		// ID3v2: 10-byte header whose last 4 bytes are a 28-bit "syncsafe" size, then an optional
		// 10-byte footer. An AAC stream may carry one as well as an MP3 stream.
		n := int(b[6]&0x7f)<<21 | int(b[7]&0x7f)<<14 | int(b[8]&0x7f)<<7 | int(b[9]&0x7f)
		skip := 10 + n
		if b[5]&0x10 != 0 {
			skip += 10
		}
		if skip < len(b) && isADTS(b[skip:]) {
			return AAC
		}
		return MP3
	}
	switch {
	case isADTS(b):
		return AAC
	case isMPEGAudioFrame(b):
		return MP3
	}
	return ""
}

// isADTS: 12-bit sync 0xFFF, layer 00, a valid sampling frequency index and frame length.
func isADTS(b []byte) bool {
	if len(b) < 7 || b[0] != 0xFF || b[1]&0xF6 != 0xF0 {
		return false
	}
	if (b[2]>>2)&0x0F > 12 {
		return false
	}
	frameLen := int(b[3]&0x03)<<11 | int(b[4])<<3 | int(b[5])>>5
	return frameLen >= 7
}

// isMPEGAudioFrame: 11-bit sync, a defined version and layer, a usable bitrate and sample rate.
func isMPEGAudioFrame(b []byte) bool {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return false
	}
	version, layer := (b[1]>>3)&0x03, (b[1]>>1)&0x03
	bitrate, rate := b[2]>>4, (b[2]>>2)&0x03
	return version != 1 && layer != 0 && bitrate != 0x0F && rate != 0x03
}
