// dep_chain.js: test job type from case 03. N "part" tasks append a line to a
// file; "collect" depends on every part and appends to its own file.
const JOB_TYPE = {
    label: "Dependency chain (test)",
    settings: [
        { key: "parts", type: "int32", default: 3 },
        { key: "sleep_seconds", type: "float", default: 5 },
        { key: "out_dir", type: "string", required: true },
    ],
};

function compileJob(job) {
    const s = job.settings;
    const parts = [];
    for (let i = 1; i <= s.parts; i++) {
        const t = author.Task(`part-${i}`, "misc");
        t.addCommand(author.Command("sleep", { duration_in_seconds: s.sleep_seconds }));
        t.addCommand(author.Command("exec", { exe: "sh", args: ["-c", `date +%s >> '${s.out_dir}/part-${i}.txt'`] }));
        job.addTask(t);
        parts.push(t);
    }
    const collect = author.Task("collect", "misc");
    collect.addCommand(author.Command("exec", { exe: "sh", args: ["-c", `date +%s >> '${s.out_dir}/collect.txt'`] }));
    for (const p of parts) collect.addDependency(p);
    job.addTask(collect);
}
