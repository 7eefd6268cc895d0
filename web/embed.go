// Package web embeds the built incidentmap front end: the TypeScript +
// Leaflet map in this directory, compiled by `npm run build` (Vite) into
// dist/. The Go binary serves those files itself, with no CDN.
//
// dist/ is build output and is git-ignored except for dist/.keep, an empty
// placeholder that lets `go build` succeed on a fresh clone before npm has
// run. In that state Built reports false, and the server should say how to
// build the front end rather than serve a blank page.
//
// To rebuild: cd web && npm ci && npm run build (then go build as usual).
package web

import (
	"embed"
	"io/fs"
)

// Dist holds the dist/ directory, dotfiles included (the "all:" prefix is
// needed so that dist/.keep alone still satisfies the embed pattern).
// Paths inside it start with "dist/"; FS strips that prefix.
//
//go:embed all:dist
var Dist embed.FS

// FS returns the built front end rooted at dist/, ready for
// http.FileServerFS: index.html, favicon.svg and assets/.
func FS() fs.FS {
	sub, err := fs.Sub(Dist, "dist")
	if err != nil {
		panic(err) // unreachable: "dist" is a valid path
	}
	return sub
}

// Built reports whether the front end was built before the binary was
// compiled, i.e. whether dist/index.html was embedded.
func Built() bool {
	info, err := fs.Stat(Dist, "dist/index.html")
	return err == nil && !info.IsDir()
}
