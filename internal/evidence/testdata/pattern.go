package main

import (
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"strconv"
)

// a picture whose left half is red, right half blue, with a green stripe on top: orientation shows.
func main() {
	w, _ := strconv.Atoi(os.Args[1])
	h, _ := strconv.Atoi(os.Args[2])
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{200, 30, 30, 255}
			if x >= w/2 {
				c = color.RGBA{30, 30, 200, 255}
			}
			if y < h/4 {
				c = color.RGBA{30, 200, 30, 255}
			}
			// some texture so that the encoder has work to do at real size
			c.R += uint8((x * y) % 23)
			img.Set(x, y, c)
		}
	}
	f, _ := os.Create(os.Args[3])
	jpeg.Encode(f, img, &jpeg.Options{Quality: 90})
	f.Close()
}
