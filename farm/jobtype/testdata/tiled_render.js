// SPDX-License-Identifier: MIT
//
// A third-party job type written for Flamenco v3, the way studios write them
// from Flamenco's documentation and built-in scripts. Farmhand must compile it
// unchanged. It renders each frame in tiles (one Blender task per tile), merges
// each frame's tiles, and finally moves the finished frames into place. It
// uses every part of the job-compiler API on purpose.

const JOB_TYPE = {
    label: "Tiled Render",
    description: "Render each frame as tiles on several workers, then merge them",
    settings: [
        { key: "frames", type: "string", required: true, eval: "f'{C.scene.frame_current}'",
          evalInfo: { showLinkButton: true, description: "Current frame" },
          description: "Frames to render" },
        { key: "tiles", type: "int32", default: 2, propargs: { min: 1, max: 8 }, visible: "submission",
          description: "Tiles per side: each frame is split into tiles×tiles tasks" },
        { key: "blendfile", type: "string", required: true, visible: "web" },
        { key: "render_output_root", type: "string", subtype: "dir_path", required: true, visible: "submission" },
        { key: "output_name", type: "string", subtype: "file_name", default: "frame_######" },
        { key: "format", type: "string", choices: ["PNG", "OPEN_EXR"], default: "PNG", label: "Image Format" },
        { key: "extra_args", type: "string", default: "", description: "More Blender arguments, as on a command line" },
        { key: "use_gpu", type: "bool", default: false },
        { key: "samples", type: "int32", default: 64, propargs: { min: 1 } },
        { key: "output_path", type: "string", subtype: "hashed_file_path", visible: "hidden", editable: false },
    ]
};

function compileJob(job) {
    print("compiling", job.jobType, "job", job.name, "with priority", job.priority, "on", process.platform);
    if (process.cwd() === "") {
        alert("the manager has no working directory?");
    }
    const settings = job.settings;
    if (frameCount(settings.frames) > 100) {
        throw "Tiled renders are for a few frames; use fewer than 100";
    }

    const project = job.metadata["project"] || "unsorted";
    const stamp = formatTimestampLocal(job.created);
    const outDir = path.join(settings.render_output_root, project, path.stem(settings.blendfile), stamp);
    settings.output_path = path.join(outDir, settings.output_name);

    const extraArgs = shellSplit(settings.extra_args);
    const finalTasks = [];
    for (const frame of frameChunker(settings.frames, 1)) {
        const merge = author.Task(`merge-${frame}`, "blender");
        merge.addCommand(author.Command("blender-render", {
            exe: "{blender}",
            exeArgs: "{blenderArgs}",
            argsBefore: ["--factory-startup"],
            blendfile: "",
            args: ["--python-expr", mergeScript(outDir, frame, settings.tiles)],
        }));
        for (const tile of tilesOf(settings.tiles)) {
            const t = author.Task(`tile-${frame}-${tile.name}`, "blender");
            t.addCommand(author.Command("blender-render", {
                exe: "{blender}",
                exeArgs: "{blenderArgs}",
                argsBefore: [],
                blendfile: settings.blendfile,
                args: [
                    "--python-expr", borderScript(tile, settings.samples, settings.use_gpu),
                    "--render-output", path.join(outDir, "tiles", `${tile.name}-######`),
                    "--render-format", settings.format,
                    ...extraArgs,
                    "--render-frame", frame,
                ],
            }, 1));
            job.addTask(t);
            merge.addDependency(t);
        }
        job.addTask(merge);
        finalTasks.push(merge);
    }

    const publish = author.Task("publish", "file-management");
    publish.addCommand(author.Command("move-directory", {
        src: path.join(outDir, "merged"),
        dest: path.join(path.dirname(outDir), "latest"),
    }));
    publish.addCommand(author.Command("echo", { message: `published ${path.basename(outDir)}` }));
    for (const t of finalTasks) {
        publish.addDependency(t);
    }
    job.addTask(publish);
}

function tilesOf(n) {
    const tiles = [];
    for (let y = 0; y < n; y++) {
        for (let x = 0; x < n; x++) {
            tiles.push({ name: `${x}_${y}`, minX: x / n, maxX: (x + 1) / n, minY: y / n, maxY: (y + 1) / n });
        }
    }
    return tiles;
}

function borderScript(tile, samples, useGPU) {
    return [
        "import bpy",
        "r = bpy.context.scene.render",
        "r.use_border = True",
        "r.use_crop_to_border = True",
        `r.border_min_x, r.border_max_x = ${tile.minX}, ${tile.maxX}`,
        `r.border_min_y, r.border_max_y = ${tile.minY}, ${tile.maxY}`,
        `bpy.context.scene.cycles.samples = ${samples}`,
        `bpy.context.scene.cycles.device = '${useGPU ? "GPU" : "CPU"}'`,
    ].join("; ");
}

function mergeScript(outDir, frame, n) {
    return `import merge_tiles; merge_tiles.run(${JSON.stringify(outDir)}, ${frame}, ${n})`;
}
