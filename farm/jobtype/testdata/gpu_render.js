// gpu_render.js: test job type using a studio-defined task type (case 07).
const JOB_TYPE = {
    label: "GPU Render (test)",
    settings: [ { key: "frames", type: "string", required: true, default: "1-4" } ],
};
function compileJob(job) {
    for (const chunk of frameChunker(job.settings.frames, 2)) {
        const t = author.Task(`gpu-${chunk}`, "blender-gpu");
        t.addCommand(author.Command("echo", { message: `would render ${chunk} on a GPU` }));
        job.addTask(t);
    }
}
