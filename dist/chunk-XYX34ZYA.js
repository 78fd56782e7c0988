import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/util/workers.ts
import { setPriority } from "node:os";
var SOURCES = {
  "lz4-worker": "../lz4/worker.ts",
  "hash-worker": "../pipeline/hash-worker.ts",
  "read-ahead-worker": "../pipeline/read-ahead-worker.ts",
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

export {
  workerUrl,
  BACKGROUND_NICE,
  runInBackground
};
