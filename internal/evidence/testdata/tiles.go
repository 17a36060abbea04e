package main

import (
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"os"
	"strconv"
)

// splits a JPEG into rows x cols tiles of size t (padding past the edge with the edge colour: black)
func main() {
	f, _ := os.Open(os.Args[1])
	src, err := jpeg.Decode(f)
	if err != nil {
		panic(err)
	}
	t, _ := strconv.Atoi(os.Args[2])
	rows, _ := strconv.Atoi(os.Args[3])
	cols, _ := strconv.Atoi(os.Args[4])
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			dst := image.NewRGBA(image.Rect(0, 0, t, t))
			draw.Draw(dst, dst.Bounds(), src, image.Pt(c*t, r*t), draw.Src)
			o, _ := os.Create(fmt.Sprintf("%s-%02d.jpg", os.Args[5], r*cols+c))
			jpeg.Encode(o, dst, &jpeg.Options{Quality: 95})
			o.Close()
		}
	}
}
