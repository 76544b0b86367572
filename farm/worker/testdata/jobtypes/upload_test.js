// Upload Test: a job type for the worker's tests of jobs whose files were
// uploaded (issue 13). Each render task reads the job's files by their
// relative layout ({job_files}/shots/sh010/scene.txt and, from there,
// ../../textures/*) and writes frames/NNNN.txt and frames/NNNN.png into
// {job_output}; with video, a frames-to-video task after them makes
// {job_output}/video.mp4 from the PNG frames.

const JOB_TYPE = {
    label: "Upload Test",
    settings: [
        { key: "frames", type: "string", required: true, default: "1-2" },
        { key: "video", type: "bool", default: false },
    ],
};

const RENDER = 'set -e; cd "$(dirname "$1")"; mkdir -p "$(dirname "$2")"; ' +
    'cat "$(basename "$1")" ../../textures/wood.txt > "$2.txt"; cp ../../textures/frame.png "$2.png"';

function compileJob(job) {
    const renders = [];
    for (const chunk of frameChunker(job.settings.frames, 1)) {
        const task = author.Task(`render-${chunk}`, "misc");
        const frame = ("000" + chunk).slice(-4);
        task.addCommand(author.Command("exec", { exe: "sh",
            args: ["-c", RENDER, "sh", "{job_files}/shots/sh010/scene.txt", `{job_output}/frames/${frame}`] }));
        job.addTask(task);
        renders.push(task);
    }
    if (!job.settings.video) {
        return;
    }
    const video = author.Task("video", "ffmpeg");
    video.addCommand(author.Command("frames-to-video", {
        exe: "ffmpeg", fps: 24, frames: job.settings.frames,
        inputGlob: "{job_output}/frames/*.png", outputFile: "{job_output}/video.mp4",
        args: ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-y"],
    }));
    for (const r of renders) {
        video.addDependency(r);
    }
    job.addTask(video);
}
