"""Collects what a blend file needs to render on a farm with no shared
storage: the file, its linked libraries, images, movie clips, sounds, fonts,
volumes and caches, laid out under one root folder.

Run inside Blender, on the file to collect (the add-on saves the file, then
runs this in a background Blender so that the artist's session is never
touched; the CLI does the same):

    blender -b FILE.blend --python collect.py -- --out manifest.json --stage DIR

It writes manifest.json as the farm's design fixes it:
    {"root": "<abs folder>", "blend": "<path of the .blend, relative to root>",
     "files": [{"path": "<relative, slash-separated>", "source": "<abs path to read>"}],
     "missing": ["<abs path that does not exist>"], "warnings": ["..."]}
The root is the deepest folder holding the .blend and every dependency found.
A .blend (the file or a library) that names a dependency by an absolute path
is opened, its paths made relative, and saved as a copy at the same relative
place under --stage: "source" then names that copy; the originals are never
written. Missing files are listed, not fatal: the caller decides. It exits 2
when the files cannot share one root (different drives on Windows).

The helpers above collect_session() use no bpy, so that they are tested in a
plain python3 (addon/tests/test_collect.py).
"""

import argparse
import glob
import json
import os
import re
import sys

# The digits a sequence's frame number sits in: the last run of digits in
# the file's name, as Blender's image sequences and volume sequences number
# their files (frame_0001.png, smoke_012.vdb).
_FRAME = re.compile(r"^(.*?)(\d+)(\D*)$")


def sequence_files(path):
    """Every existing file of the numbered sequence that path is one frame of
    (same folder, same name around the last run of digits, any number), in
    name order; [path] alone when its name holds no digits."""
    folder, name = os.path.split(path)
    m = _FRAME.match(name)
    if not m:
        return [path]
    prefix, _, suffix = m.groups()
    pattern = re.compile(re.escape(prefix) + r"\d+" + re.escape(suffix) + "$")
    try:
        names = os.listdir(folder or ".")
    except OSError:
        return [path]
    found = sorted(os.path.join(folder, n) for n in names if pattern.match(n))
    return found or [path]


def udim_files(path, tiles):
    """The files of a UDIM image whose path holds the <UDIM> token, one per
    tile number (1001, 1002…); [path] when it has no token."""
    if "<UDIM>" not in path:
        return [path]
    return [path.replace("<UDIM>", str(n)) for n in tiles]


def files_under(folder):
    """Every regular file below folder (recursively), sorted; [] when the
    folder does not exist."""
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        out.extend(os.path.join(dirpath, f) for f in sorted(filenames))
    return out


def deepest_root(paths):
    """The deepest folder holding every path (files' folders count, not the
    files themselves). Raises ValueError when no folder holds them all
    (different drives on Windows)."""
    folders = [os.path.dirname(os.path.abspath(p)) for p in paths]
    return os.path.commonpath(folders)


def rel_path(root, path):
    """path relative to root, slash-separated, as the manifest writes it.
    Raises ValueError when path is not under root."""
    rel = os.path.relpath(os.path.abspath(path), root)
    if rel == os.curdir or rel == os.pardir or rel.startswith(os.pardir + os.sep) or os.path.isabs(rel):
        raise ValueError("%s is not inside %s" % (path, root))
    return rel.replace(os.sep, "/")


def build_manifest(blend, deps, staged, missing, warnings):
    """The manifest's dict: blend the .blend's absolute path, deps the
    existing dependencies' absolute paths, staged {original abs path: copy to
    read instead}, missing the absolute paths not found. Duplicates are
    dropped; files are in path order. Raises ValueError when the files share
    no root."""
    blend = os.path.abspath(blend)
    unique = sorted({os.path.abspath(p) for p in deps} - {blend})
    root = deepest_root([blend] + unique)
    files = [{"path": rel_path(root, p), "source": staged.get(p, p)} for p in [blend] + unique]
    return {
        "root": root,
        "blend": rel_path(root, blend),
        "files": files,
        "missing": sorted(set(missing)),
        "warnings": list(warnings),
    }


def is_relative(raw):
    """Whether a path as a .blend stores it is relative to that .blend
    (Blender writes those with a leading //)."""
    return raw.startswith("//")


# What follows runs inside Blender.

def _abs(bpy, raw, library=None):
    """The absolute, normalised path of a path stored in the open file (or in
    library, for a linked data-block's path)."""
    return os.path.normpath(bpy.path.abspath(raw, library=library))


def _image_paths(bpy, img):
    if img.source not in {"FILE", "SEQUENCE", "TILED", "MOVIE"} or img.packed_file is not None:
        return []
    path = _abs(bpy, img.filepath, img.library)
    if img.source == "SEQUENCE":
        return sequence_files(path)
    if img.source == "TILED":
        return udim_files(path, [t.number for t in img.tiles])
    return [path]


def _id_paths(bpy):
    """The paths of the data-blocks Blender's blend_paths sees, with image,
    movie clip, volume and cache file sequences and UDIM tiles expanded."""
    paths = [os.path.normpath(p) for p in bpy.utils.blend_paths(absolute=True, packed=False, local=False)]
    for img in bpy.data.images:
        paths += _image_paths(bpy, img)
    for clip in bpy.data.movieclips:
        if clip.source == "SEQUENCE":
            paths += sequence_files(_abs(bpy, clip.filepath, clip.library))
    for vol in getattr(bpy.data, "volumes", []):
        if vol.is_sequence and vol.packed_file is None:
            paths += sequence_files(_abs(bpy, vol.filepath, vol.library))
    for cache in bpy.data.cache_files:
        if cache.is_sequence:
            paths += sequence_files(_abs(bpy, cache.filepath, cache.library))
    return paths


def _strip_paths(bpy):
    """Image strips' frames in the sequence editors (one file per element)."""
    paths = []
    for scene in bpy.data.scenes:
        ed = scene.sequence_editor
        for strip in (ed.sequences_all if ed else []):
            if strip.type == "IMAGE":
                folder = _abs(bpy, strip.directory, scene.library)
                paths += [os.path.join(folder, e.filename) for e in strip.elements]
    return paths


def _cache_dirs(bpy):
    """Cache folders: fluid domains, ocean caches, simulation bakes (Blender
    4.x nodes modifiers), and the point caches on disk (the .blend's
    blendcache_<name> folder, or a cache's own folder). Their files are taken
    whole; a folder that does not exist yet is a warning, not missing."""
    dirs = []
    stem = os.path.splitext(os.path.basename(bpy.data.filepath))[0]
    default_ptcache = os.path.join(os.path.dirname(bpy.data.filepath), "blendcache_" + stem)
    for ob in bpy.data.objects:
        for md in ob.modifiers:
            if md.type == "FLUID" and md.fluid_type == "DOMAIN" and md.domain_settings:
                dirs.append(_abs(bpy, md.domain_settings.cache_directory, ob.library))
            elif md.type == "OCEAN" and md.is_cached:
                dirs.append(_abs(bpy, md.filepath, ob.library))
            elif md.type == "NODES" and getattr(md, "bake_directory", ""):
                dirs.append(_abs(bpy, md.bake_directory, ob.library))
            cache = getattr(md, "point_cache", None)
            if cache is not None and cache.use_disk_cache:
                dirs.append(_abs(bpy, cache.filepath, ob.library) if cache.use_external else default_ptcache)
        for psys in ob.particle_systems:
            if psys.point_cache.use_disk_cache:
                pc = psys.point_cache
                dirs.append(_abs(bpy, pc.filepath, ob.library) if pc.use_external else default_ptcache)
    return sorted(set(dirs))


def collect_session(bpy):
    """Walks the open file: returns (deps, missing, warnings, cache folders)
    with absolute paths; libraries included (each one Blender loaded, linked
    directly or through another library)."""
    deps, missing, warnings = [], [], []
    cache_dirs = _cache_dirs(bpy)
    candidates = _id_paths(bpy) + _strip_paths(bpy)
    candidates += [_abs(bpy, lib.filepath, lib.parent) for lib in bpy.data.libraries]
    for d in cache_dirs:
        found = files_under(d)
        if not found:
            warnings.append("cache folder %s is empty or missing: the farm computes it again" % d)
        deps += found
    for p in candidates:
        if p in cache_dirs or os.path.isdir(p):
            deps += files_under(p)
        elif os.path.isfile(p):
            deps.append(p)
        elif not p.startswith("<"):  # <builtin> fonts.
            missing.append(p)
    return deps, missing, warnings, cache_dirs


def absolute_paths_in_open_file(bpy):
    """The paths the open .blend itself stores as absolute (its own data and
    its directly linked libraries), which would not resolve on a worker."""
    raw = list(bpy.utils.blend_paths(absolute=False, packed=False, local=True))
    raw += [lib.filepath for lib in bpy.data.libraries if lib.parent is None]
    return [p for p in raw if p and not is_relative(p) and not p.startswith("<")]


def stage_relative_copy(bpy, root, stage):
    """When the open .blend stores absolute paths: makes them relative and
    saves a copy under stage at the file's place relative to root, relative
    paths kept as they are (relative_remap=False: they must resolve from the
    file's place in the layout, not from stage). Returns the copy's path, or
    "" when the file needs no copy."""
    if not absolute_paths_in_open_file(bpy):
        return ""
    bpy.ops.file.make_paths_relative()
    copy = os.path.join(stage, *rel_path(root, bpy.data.filepath).split("/"))
    os.makedirs(os.path.dirname(copy), exist_ok=True)
    bpy.ops.wm.save_as_mainfile(filepath=copy, copy=True, relative_remap=False, check_existing=False)
    return copy


def scene_info(bpy):
    """What a command-line submission needs of the scene to fill in a job
    type's settings that the add-on computes inside Blender: the scene's
    name, frame range and step, frames per second and image format."""
    scene = bpy.context.scene
    r = scene.render
    return {"name": scene.name, "frame_start": scene.frame_start, "frame_end": scene.frame_end,
            "frame_step": scene.frame_step, "fps": r.fps / r.fps_base,
            "format": r.image_settings.file_format, "file_extension": r.file_extension}


def collect(bpy, stage):
    """Collects the open file and stages copies of the .blend files that
    store absolute paths; returns the manifest dict, with "scene" (see
    scene_info) besides the design's keys."""
    if not bpy.data.filepath:
        raise ValueError("the file was never saved: collect a saved .blend")
    blend = os.path.normpath(bpy.data.filepath)
    info = scene_info(bpy)
    deps, missing, warnings, _ = collect_session(bpy)
    libraries = sorted({_abs(bpy, lib.filepath, lib.parent) for lib in bpy.data.libraries})
    root = deepest_root([blend] + deps)
    staged = {}
    copy = stage_relative_copy(bpy, root, stage)
    if copy:
        staged[blend] = copy
    for lib in libraries:
        if not os.path.isfile(lib):
            continue
        bpy.ops.wm.open_mainfile(filepath=lib, load_ui=False)
        copy = stage_relative_copy(bpy, root, stage)
        if copy:
            staged[lib] = copy
    manifest = build_manifest(blend, deps, staged, missing, warnings)
    manifest["scene"] = info
    return manifest


def main(argv):
    parser = argparse.ArgumentParser(prog="collect.py", description="Collect a .blend's dependencies for upload")
    parser.add_argument("--out", required=True, help="where to write the manifest (JSON)")
    parser.add_argument("--stage", required=True, help="folder for relative-path copies of .blend files")
    args = parser.parse_args(argv)
    import bpy
    try:
        manifest = collect(bpy, os.path.abspath(args.stage))
    except ValueError as err:
        print("Farmhand collect: %s" % err, file=sys.stderr)
        return 2
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
    print("Farmhand collect: %d files under %s, %d missing" % (
        len(manifest["files"]), manifest["root"], len(manifest["missing"])))
    return 0


if __name__ == "__main__":
    rest = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    code = main(rest)
    if code:
        sys.exit(code)
