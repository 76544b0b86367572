#!/usr/bin/env bash
# make package: Farmhand's packages, into dist/.
#
#   farmhand_V_ARCH.deb                  desktop: GUI binary, menu entry, icon, Blender add-on
#   farmhand_V_linux_ARCH.tar.xz         the same as `fyne package` lays it out (+ add-on zip);
#                                        `cd farmhand && sudo make install` installs it
#   farmhand-server_V_ARCH.deb           headless, static binary for servers (conflicts with farmhand)
#   farmhand-server_V_linux_ARCH.tar.xz  the same binary in a tarball
#   farmhand-server_V_windows_amd64.zip  farmhand.exe, headless: no cgo cross-compiler here
#   farmhand-blender-addon_V.zip         the add-on alone, for Blender's Install…
#
# macOS packages need a mac (cgo with Apple's SDK): docs/install.md says what to run there.
# The Makefile sets PKG_VERSION (from FyneApp.toml), GUI_TAGS and the pinned tool versions.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
: "${PKG_VERSION:?PKG_VERSION is unset (make package reads it from FyneApp.toml)}"
: "${GUI_TAGS:?GUI_TAGS is unset (the Makefile sets it)}"
: "${NFPM_VERSION:?}" "${FYNE_TOOLS_VERSION:?}"
NFPM=("$GO" run "github.com/goreleaser/nfpm/v2/cmd/nfpm@$NFPM_VERSION")
FYNE=("$GO" run "fyne.io/tools/cmd/fyne@$FYNE_TOOLS_VERSION")

root=$PWD
dist=$root/dist
PKG_ARCH=$("$GO" env GOARCH)
PKG_STAGE=$dist/stage
export PKG_VERSION PKG_ARCH PKG_STAGE
# -s -w: no symbol tables (a third smaller); the version is the package's.
ldflags="-s -w -X farmhand/app.Version=$PKG_VERSION"
# xz on every core: compression is most of the tarballs' time.
export XZ_OPT=${XZ_OPT:--T0}

# step NAME COMMAND...: runs a step and says how long it took.
step() {
	local name=$1 start=$SECONDS
	shift
	echo "== $name"
	"$@"
	echo "   $name: $((SECONDS - start)) s"
}

binaries() {
	"$GO" build -tags "$GUI_TAGS" -ldflags "$ldflags" -o "$PKG_STAGE/gui/farmhand" .
	CGO_ENABLED=0 "$GO" build -tags headless -ldflags "$ldflags" -o "$PKG_STAGE/server/farmhand" .
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 "$GO" build -tags headless -ldflags "$ldflags" \
		-o "$PKG_STAGE/windows/farmhand.exe" .
}

addon() {
	"$GO" run ./packaging/zipdir -o "$PKG_STAGE/farmhand-blender-addon.zip" addon/farmhand
	cp "$PKG_STAGE/farmhand-blender-addon.zip" "$dist/farmhand-blender-addon_${PKG_VERSION}.zip"
}

# fyne package writes the .desktop file and icon from FyneApp.toml, and a
# tar.xz with a Makefile. It bumps Build in the FyneApp.toml it reads, so it
# reads a copy (with main.go, since it wants Go code beside it).
fyne_tarball() {
	local src=$PKG_STAGE/fyne-src out=$PKG_STAGE/fyne tree=$PKG_STAGE/tree
	mkdir -p "$src/assets" "$out" "$tree"
	cp FyneApp.toml main.go "$src/"
	cp assets/icon.png "$src/assets/"
	(cd "$out" && "${FYNE[@]}" package -os linux --executable "$PKG_STAGE/gui/farmhand" --src "$src" \
		--app-version "${PKG_VERSION%%[-+~]*}")
	tar -xJf "$out/Farmhand.tar.xz" -C "$tree"
	cp "$PKG_STAGE/farmhand-blender-addon.zip" "$tree/farmhand/"
	tar -C "$tree" --sort=name --owner=0 --group=0 --numeric-owner \
		-cJf "$dist/farmhand_${PKG_VERSION}_linux_${PKG_ARCH}.tar.xz" farmhand
	# The .deb takes the .desktop file and icon fyne made (it puts them under
	# usr/local or usr, by whether this computer has /usr/local).
	PKG_DESKTOP=$(find "$tree" -name 'io.farmhand.app.desktop' -path '*/share/applications/*')
	PKG_ICON=$(find "$tree" -name 'io.farmhand.app.png' -path '*/share/pixmaps/*')
	if [ -z "$PKG_DESKTOP" ] || [ -z "$PKG_ICON" ]; then
		echo "fyne package made no io.farmhand.app.desktop or io.farmhand.app.png:" >&2
		find "$tree" >&2
		return 1
	fi
	export PKG_DESKTOP PKG_ICON
}

server_tarball() {
	local dir=$PKG_STAGE/srv/farmhand-server_${PKG_VERSION}_linux_${PKG_ARCH}
	mkdir -p "$dir"
	cp "$PKG_STAGE/server/farmhand" "$dir/"
	tar -C "$PKG_STAGE/srv" --sort=name --owner=0 --group=0 --numeric-owner \
		-cJf "$dist/farmhand-server_${PKG_VERSION}_linux_${PKG_ARCH}.tar.xz" "$(basename "$dir")"
}

windows_zip() {
	local dir=$PKG_STAGE/win/farmhand-server_${PKG_VERSION}_windows_amd64
	mkdir -p "$dir"
	cp "$PKG_STAGE/windows/farmhand.exe" "$PKG_STAGE/farmhand-blender-addon.zip" "$dir/"
	cat >"$dir/README.txt" <<-EOF
	Farmhand $PKG_VERSION for Windows (amd64), without windows: farmhand.exe runs
	the manager, a worker or both from a terminal or as a service (docs/install.md,
	"Windows"). The windowed build needs a Windows computer to build on:
	    go build -tags $GUI_TAGS -o farmhand.exe .
	farmhand-blender-addon.zip: Blender, Edit > Preferences > Add-ons > Install...
	EOF
	"$GO" run ./packaging/zipdir -o "$dist/farmhand-server_${PKG_VERSION}_windows_amd64.zip" "$dir"
}

debs() {
	"${NFPM[@]}" package --config packaging/nfpm-farmhand.yaml --packager deb --target "$dist/"
	"${NFPM[@]}" package --config packaging/nfpm-server.yaml --packager deb --target "$dist/"
}

start=$SECONDS
rm -rf "$PKG_STAGE"
mkdir -p "$PKG_STAGE"
rm -f "$dist"/farmhand_* "$dist"/farmhand-server_* "$dist"/farmhand-blender-addon_*
step "binaries (GUI with cgo, headless linux and windows)" binaries
step "Blender add-on zip" addon
step "fyne package and the desktop tarball" fyne_tarball
step "server tarball" server_tarball
step "windows zip" windows_zip
step ".deb packages (nfpm $NFPM_VERSION)" debs
rm -rf "$PKG_STAGE"
echo "== dist/ ($((SECONDS - start)) s in all; macOS: see docs/install.md)"
ls -l "$dist"
