"use strict";
// Preloaded into the server by bench/cpu-profile.ts (NODE_OPTIONS=--require; Node refuses
// --cpu-prof there): samples the whole process and writes BENCH_PROFILE_FILE when it exits.
const { Session } = require("node:inspector");
const { writeFileSync } = require("node:fs");

const session = new Session();
session.connect();
session.post("Profiler.enable");
session.post("Profiler.setSamplingInterval", { interval: 100 });
session.post("Profiler.start");
// An in-process session answers synchronously, so this finishes before the process does.
process.on("exit", () => session.post("Profiler.stop", (err, result) => err || writeFileSync(process.env.BENCH_PROFILE_FILE, JSON.stringify(result.profile))));
