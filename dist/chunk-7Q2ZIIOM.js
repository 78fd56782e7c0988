import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/util/workers.ts
import { readdirSync, readFileSync } from "node:fs";
import { setPriority } from "node:os";
var SOURCES = {
  "lz4-worker": "../lz4/worker.ts",
  "hash-worker": "../pipeline/hash-worker.ts",
  "rpmdb-reader": "../packages/rpm/child.ts"
};
function workerUrl(entry) {
  return new URL(import.meta.url.endsWith(".ts") ? SOURCES[entry] : `./${entry}.js`, import.meta.url);
}
var BACKGROUND_NICE = 10;
function runInBackground() {
  try {
    setPriority(BACKGROUND_NICE);
  } catch {
  }
}
function runThreadPoolInBackground() {
  if (process.platform !== "linux") return;
  try {
    for (const tid of readdirSync("/proc/self/task")) {
      if (readFileSync(`/proc/self/task/${tid}/comm`, "utf8").trim() === "libuv-worker")
        setPriority(Number(tid), BACKGROUND_NICE);
    }
  } catch {
  }
}

export {
  workerUrl,
  runInBackground,
  runThreadPoolInBackground
};
