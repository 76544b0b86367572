// Simple Blender Render: render a frame range in chunks, one Blender task per
// chunk, then make a preview video of the frames with FFmpeg.
//
// Compatible with Flamenco v3's job type of the same name: the same settings,
// task types, commands and parameters, so Flamenco's Blender add-on submits it
// as it is. Farmhand adds fallbacks for the settings the add-on computes inside
// Blender (render_output_path, fps, image_file_extension), so that the command
// line can submit it too.
//
// Export it with `farmhand jobtype export simple-blender-render` to customise it.

const JOB_TYPE = {
    label: "Simple Blender Render",
    description: "Render a sequence of frames, and create a preview video",
    settings: [
        // Settings for artists to determine:
        // The scene's Frame Step is part of the range ("1-250x2"), so that only
        // those frames are rendered.
        { key: "frames", type: "string", required: true,
          eval: "f'{C.scene.frame_start}-{C.scene.frame_end}' + (f'x{C.scene.frame_step}' if C.scene.frame_step != 1 else '')",
          evalInfo: { showLinkButton: true, description: "Scene frame range" },
          description: "Frame range to render. Examples: '47', '1-30', '1-30x2' (every 2nd frame), '3, 5-10, 47-327'" },
        { key: "chunk_size", type: "int32", default: 1, propargs: { min: 1 }, visible: "submission",
          description: "Number of frames to render in one Blender render task" },

        // render_output_root + add_path_components determine render_output_path.
        { key: "render_output_root", type: "string", subtype: "dir_path", required: true, visible: "submission",
          description: "Base directory of where render output is stored. Will have some job-specific parts appended to it" },
        { key: "add_path_components", type: "int32", required: true, default: 0, propargs: { min: 0, max: 32 },
          visible: "submission",
          description: "Number of path components of the current blend file to use in the render output path" },
        { key: "render_output_path", type: "string", subtype: "file_path", editable: false,
          eval: "str(Path(abspath(settings.render_output_root), last_n_dir_parts(settings.add_path_components), jobname, '{timestamp}', '######'))",
          description: "Final file path of where render output will be saved" },

        // Automatically evaluated settings:
        { key: "blendfile", type: "string", required: true, visible: "web",
          description: "Path of the Blend file to render" },
        { key: "fps", type: "float", default: 24, eval: "C.scene.render.fps / C.scene.render.fps_base", visible: "hidden",
          description: "Frames per second of the preview video" },
        { key: "format", type: "string", required: true, eval: "C.scene.render.image_settings.file_format", visible: "web",
          description: "Image file format, as Blender names it (PNG, JPEG, OPEN_EXR, …)" },
        { key: "image_file_extension", type: "string", eval: "C.scene.render.file_extension", visible: "hidden",
          description: "File extension used when rendering images" },
        { key: "has_previews", type: "bool", default: false, eval: "C.scene.render.image_settings.use_preview",
          visible: "hidden", description: "Whether Blender also writes JPEG previews of the images" },
        { key: "scene", type: "string", eval: "C.scene.name", visible: "web",
          description: "Name of the scene to render" },
        // Farmhand's own: a worker keeps one Blender with the scene loaded for
        // the job's chunks (a warm Blender) unless this is off.
        { key: "warm_blender", type: "bool", default: true, label: "Warm Blender", visible: "submission",
          description: "Keep one Blender per worker with the scene and overrides loaded for this job's chunks, instead of " +
            "starting Blender for every task (frames are identical; turn it off for scenes whose scripts need a fresh Blender per chunk)" },
        { key: "max_task_duration", type: "string", default: "", label: "Max task duration", visible: "submission",
          description: "Hard limit for one task, e.g. 2h30m or 5400 (seconds); empty: no limit (a task lives as long as its worker reports it running)" },
    ],
};

// Formats that make Blender write a video; this job type renders images.
const videoFormats = ["FFMPEG", "AVI_RAW", "AVI_JPEG"];

// Image formats FFmpeg cannot read (Radiance HDR only from FFmpeg 6.1 on);
// their JPEG previews can make the video.
const ffmpegIncompatibleImageFormats = new Set(["EXR", "MULTILAYER", "OPEN_EXR", "OPEN_EXR_MULTILAYER", "HDR"]);

// Blender's command line names three image formats unlike its Python API
// (scene.render.image_settings.file_format, which the add-on sends). Given the
// Python name, Blender says "Format not known" and writes the scene's own
// format instead: frames the job would not look for, or a JPEG 2000 job
// "completed" with PNG files.
const commandLineFormats = { TARGA: "TGA", TARGA_RAW: "RAWTGA", JPEG2000: "JP2" };

// The extension Blender gives each image format, for submissions that do not
// say image_file_extension.
const formatExtensions = {
    PNG: ".png", JPEG: ".jpg", JPEG2000: ".jp2", BMP: ".bmp", IRIS: ".rgb", TARGA: ".tga",
    TARGA_RAW: ".tga", TIFF: ".tif", WEBP: ".webp", HDR: ".hdr", CINEON: ".cin", DPX: ".dpx",
    OPEN_EXR: ".exr", OPEN_EXR_MULTILAYER: ".exr", EXR: ".exr", MULTILAYER: ".exr",
    TGA: ".tga", RAWTGA: ".tga", JP2: ".jp2",
};

// Render settings forced on every render task: file extensions on, so the
// video task finds the frames; overwriting on, because a task is requeued for
// a reason (a fixed scene, a frame left empty by a crash) and must render its
// frames again rather than keep the old files; no placeholder files, which
// would look like finished frames.
const renderSettingsPython = "import bpy; r = bpy.context.scene.render; " +
    "r.use_file_extension = True; r.use_overwrite = True; r.use_placeholder = False";

function compileJob(job) {
    print("Blender Render job submitted:", job.name);
    const settings = job.settings;
    if (videoFormats.indexOf(settings.format) >= 0) {
        throw `This job type only renders images, and not "${settings.format}"`;
    }

    if (!(settings.format in formatExtensions) && !Object.values(commandLineFormats).includes(settings.format)) {
        throw `Unknown image format "${settings.format}": use one of Blender's (${Object.keys(formatExtensions).join(", ")})`;
    }

    const renderOutput = renderOutputPath(job);
    const renderDir = path.dirname(renderOutput);
    // Store the output path as the tasks use it (forward slashes, a UNC path
    // kept whole), for whoever looks at the job later.
    settings.render_output_path = path.join(renderDir, path.basename(renderOutput));

    const renderTasks = authorRenderTasks(settings, renderDir, renderOutput);
    const videoTask = authorCreateVideoTask(settings, renderDir);

    for (const rt of renderTasks) {
        job.addTask(rt);
    }
    if (videoTask) {
        // The video needs every frame.
        for (const rt of renderTasks) {
            videoTask.addDependency(rt);
        }
        job.addTask(videoTask);
    }
}

// folderName makes a job name one folder name on every system: no path
// separators (a name "../../x" must not climb out of the output root), no
// characters Windows refuses, no leading dots, no trailing dots or spaces
// (Windows drops them), and no Windows device name ("nul", "con.v2"), which
// Windows opens as a device in any folder; the manager refuses such folders
// in an upload job's output too. Brackets stay: the preview's glob escapes
// them.
function folderName(name) {
    let safe = name.replace(/[\\/:*?"<>|\x00-\x1f]/g, "_").replace(/^[.\s]+/, "").replace(/[.\s]+$/, "");
    if (/^(con|prn|aux|nul|conin\$|conout\$|com[1-9]|lpt[1-9]) *(\.|$)/i.test(safe)) {
        safe = "_" + safe;
    }
    return safe || "job";
}

// renderOutputPath replaces {timestamp} in the render output path; other
// {variables} are left for the worker to expand.
function renderOutputPath(job) {
    const settings = job.settings;
    let output = settings.render_output_path;
    if (!output) {
        // What the add-on's eval computes: root / last N dirs of the blend file / job name.
        const n = settings.add_path_components;
        const dirs = n > 0 ? path.dirname(settings.blendfile).split("/").filter((p) => p).slice(-n) : [];
        output = path.join(settings.render_output_root, ...dirs, folderName(job.name), "{timestamp}", "######");
    }
    return output.replace(/{([^}]+)}/g, (match, name) =>
        name === "timestamp" ? formatTimestampLocal(job.created) : match);
}

function authorRenderTasks(settings, renderDir, renderOutput) {
    // The same for every chunk, made once: a job may have 100,000 tasks.
    const renderOutputArg = path.join(renderDir, path.basename(renderOutput));
    const warmBlender = settings.warm_blender !== false;
    const tasks = [];
    for (const chunk of frameChunker(settings.frames, settings.chunk_size)) {
        const args = [
            "--python-expr", renderSettingsPython,
            "--render-output", renderOutputArg,
            "--render-format", commandLineFormats[settings.format] || settings.format,
            // Blender's range notation. Chunks are runs and lists of exactly
            // their frames ("1-3,5", or "1,3,5" for a stepped range), never a
            // step, which --render-frame would not take.
            "--render-frame", chunk.replaceAll("-", ".."),
        ];
        if (settings.scene) {
            args.unshift("--scene", settings.scene);
        }
        const params = {
            exe: "{blender}",
            exeArgs: "{blenderArgs}",
            argsBefore: [],
            blendfile: settings.blendfile,
            args: args,
        };
        if (!warmBlender) {
            params.warmBlender = false; // absent, a Farmhand worker keeps Blender warm
        }
        const task = author.Task(`render-${chunk}`, "blender");
        task.addCommand(author.Command("blender-render", params, frameCount(chunk))); // one progress step per frame
        tasks.push(task);
    }
    return tasks;
}

function authorCreateVideoTask(settings, renderDir) {
    let extension = settings.image_file_extension || formatExtensions[settings.format];
    if (ffmpegIncompatibleImageFormats.has(settings.format)) {
        if (!settings.has_previews) {
            print("Not authoring video task, FFmpeg-incompatible render output");
            return;
        }
        extension = ".jpg"; // Blender's preview images
    }
    if (!settings.fps) {
        print("Not authoring video task, no FPS known");
        return;
    }
    if (!extension) {
        print("Not authoring video task, unknown file extension for format", settings.format);
        return;
    }

    // All frames as one range, e.g. "1-10" or "1,3,5-9": its ends name the video.
    const frames = frameChunker(settings.frames, frameCount(settings.frames))[0].split(/[,-]/);
    const stem = path.stem(settings.blendfile).replace(".flamenco", "");
    const outfile = path.join(renderDir, `${stem}-${frames[0]}-${frames[frames.length - 1]}.mp4`);

    const task = author.Task("preview-video", "ffmpeg");
    task.addCommand(author.Command("frames-to-video", {
        exe: "ffmpeg",
        fps: settings.fps,
        // Escaped: a job named "sh010 [v2]" is a folder, not a pattern.
        inputGlob: path.join(path.globEscape(renderDir), `*${path.globEscape(extension)}`),
        outputFile: outfile,
        // The frames the video must hold: a frame missing from the folder
        // fails the task instead of making a short video.
        frames: settings.frames,
        args: [
            "-c:v", "h264",
            "-crf", "20",
            "-g", "18",
            "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2",
            "-pix_fmt", "yuv420p",
            "-y", // FFmpeg must be told: overwrite (-y) or not (-n).
        ],
    }));
    return task;
}
