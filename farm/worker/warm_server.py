# Farmhand's warm Blender server (issue 16). The worker starts Blender with the
# task's own command line, minus its --render-frame, and this script last:
#
#   blender -b -y --python-exit-code 1 FILE <the job's options> --python warm_server.py
#
# so the scene, the job's Python overrides and its render options (--scene,
# --render-output, --render-format, ...) apply once, exactly as for a cold
# render. Then it renders the chunks the worker sends, one after another.
#
# Protocol: line-delimited JSON. The worker writes to Blender's stdin: first a
# line with a random token, then one request a line:
#   {"frames": [1, 2, 3], "env": {"FARMHAND_TASK_ID": "..."}}
# This script answers on stdout, which also carries Blender's own log, with
# lines holding MARK, the token and a JSON object, so that no log line is ever
# taken for an answer:
#   {"ready": true}          the scene is loaded, waiting for chunks
#   {"cold": "why"}          this render cannot be done warm; the script ends
#   {"done": [1, 2, 3]}      the chunk's frames were rendered (or skipped)
#   {"error": "message"}     the chunk failed; the worker ends this process
# End of stdin ends the script, and with it Blender.
#
# Python standard library and bpy only.

import json
import os
import sys
import traceback

import bpy

MARK = "@@farmhand-warm "


def flush_c_stdio():
    """Flush C's stdout, where Blender prints its render log ("Fra:",
    "Saved:"), so that every line of a frame is in the pipe before the answer
    that says the frame is done."""
    try:
        import ctypes

        if sys.platform == "win32":
            ctypes.CDLL("ucrtbase").fflush(None)
        else:
            ctypes.CDLL(None).fflush(None)
    except Exception:
        pass  # the lines still come, later; only their task log may differ


def answer(token, obj):
    flush_c_stdio()
    try:
        sys.stdout.flush()
    except Exception:
        pass
    line = MARK + token + " " + json.dumps(obj) + "\n"
    # Straight to fd 1, one write: never interleaved with a half line of ours.
    os.write(1, line.encode("utf-8"))


def why_cold(scene):
    """Say why this scene's render cannot be repeated frame by frame exactly
    as `-f N` does it, or return "" when it can."""
    r = scene.render
    if r.is_movie_format:
        return "the output is a video (%s), which one Blender writes in one go" % r.image_settings.file_format
    if r.use_multiview:
        return "the scene renders several views (stereoscopy)"
    if r.use_single_layer:
        return "the scene renders a single view layer"
    return ""


def render_frame(scene, frame):
    """Render one frame and write it where `blender -f FRAME` writes it.

    As Blender's own animation render (RE_RenderAnim) does for each frame: the
    output name is the render path with its last run of '#' made the frame
    number (or 4 digits added), made absolute from the blend file, with the
    format's extension when "File Extensions" is on; an existing file is kept
    when "Overwrite" is off, and an empty placeholder is written first when
    "Placeholders" is on. The scene's current frame is put back afterwards.
    """
    r = scene.render
    old_frame, old_subframe, old_path = scene.frame_current, scene.frame_subframe, r.filepath
    # frame_set also switches the camera to the one a timeline marker binds to
    # this frame, as an animation render does.
    scene.frame_set(frame)
    path = r.frame_path(frame=frame)
    try:
        if not r.use_overwrite and os.path.exists(path):
            print('skipping existing frame "%s"' % path, flush=True)
            return
        if r.use_placeholder and not os.path.exists(path):
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            open(path, "ab").close()
        # A still render writes to the path as it is, frame numbers and
        # extension included: no '#' is replaced in a still's name.
        r.filepath = path
        bpy.ops.render.render(write_still=True)
    finally:
        r.filepath = old_path
        scene.frame_current = old_frame
        scene.frame_subframe = old_subframe


def serve():
    token = sys.stdin.readline().strip()
    if not token:
        return  # the worker went away before saying anything
    scene = bpy.context.scene
    reason = why_cold(scene)
    if reason:
        answer(token, {"cold": reason})
        return
    answer(token, {"ready": True})
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            for k, v in (req.get("env") or {}).items():
                os.environ[str(k)] = str(v)
            frames = [int(f) for f in req["frames"]]
            for frame in frames:
                render_frame(scene, frame)
        except Exception as exc:
            traceback.print_exc()
            answer(token, {"error": "%s: %s" % (type(exc).__name__, exc)})
            return
        answer(token, {"done": frames})


serve()
