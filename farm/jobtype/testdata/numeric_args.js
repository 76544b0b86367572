// numeric_args.js: settings of type int32/float passed straight into a
// command's argument list, as Flamenco job types commonly do (case 13).
const JOB_TYPE = {
    label: "Numbers in args (test)",
    settings: [
        { key: "fps", type: "float", default: 24 },
        { key: "count", type: "int32", default: 3 },
        { key: "out_dir", type: "string", required: true },
    ],
};
function compileJob(job) {
    const s = job.settings;
    const t = author.Task("numbers", "misc");
    t.addCommand(author.Command("exec", { exe: "sh", args: ["-c", 'echo "$0 $1 $2" > "$3/args.txt"', "-r", s.fps, s.count, s.out_dir] }));
    job.addTask(t);
}
