// Echo Sleep Test: Farmhand's smoke test. One task per chunk of frames, each
// echoing a message and sleeping; it needs nothing but a worker.
//
// This is a Flamenco-format job-type script: export it with
// `farmhand jobtype export echo-sleep-test` to make your own from it.

const JOB_TYPE = {
    label: "Echo Sleep Test",
    description: "Echo a message and sleep, once per chunk of frames; checks that the farm works.",
    settings: [
        { key: "frames", type: "string", required: true, default: "1-10", label: "Frames",
          description: 'Frame range, e.g. "1-100", "1-100x2" (every 2nd frame) or "1, 5, 10-20".' },
        { key: "chunk_size", type: "int32", default: 1, label: "Chunk size", propargs: { min: 1 },
          description: "Frames per task." },
        { key: "sleep_seconds", type: "float", default: 1.0, label: "Sleep", propargs: { min: 0 },
          description: "Seconds each task sleeps." },
        { key: "message", type: "string", default: "Hello from Farmhand", label: "Message",
          description: "What each task echoes." },
        { key: "max_task_duration", type: "string", default: "", label: "Max task duration",
          description: "Hard limit for one task, e.g. 2h30m or 5400 (seconds); empty: no limit (a task lives as long as its worker reports it running)" },
    ],
};

function compileJob(job) {
    const settings = job.settings;
    if (settings.chunk_size < 1) {
        throw `chunk_size must be at least 1, not ${settings.chunk_size}`;
    }
    if (settings.sleep_seconds < 0) {
        throw `sleep_seconds cannot be negative (${settings.sleep_seconds})`;
    }
    for (const chunk of frameChunker(settings.frames, settings.chunk_size)) {
        const task = author.Task(`echo-${chunk}`, "misc");
        task.addCommand(author.Command("echo", { message: `${settings.message} (frames ${chunk})` }));
        task.addCommand(author.Command("sleep", { duration_in_seconds: settings.sleep_seconds }));
        job.addTask(task);
    }
}
