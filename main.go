// Farmhand is a render farm for small studios: one program that is the farm's
// manager, a worker, or both. See README.md.
package main

import (
	"os"

	"farmhand/app"
)

func main() {
	os.Exit(app.Main(os.Args[1:]))
}
