import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  runInBackground
} from "./chunk-XYX34ZYA.js";
import "./chunk-VF57VZD3.js";

// src/pipeline/hash-worker.ts
import { createHash } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";
var { algorithms, background } = workerData;
if (background) runInBackground();
var hashes = algorithms.map((alg) => createHash(alg));
parentPort.on("message", (msg) => {
  if ("end" in msg) {
    parentPort.postMessage({ digests: hashes.map((h) => h.digest("hex")) });
    return;
  }
  const data = new Uint8Array(msg.data, 0, msg.length);
  for (const h of hashes) h.update(data);
  parentPort.postMessage({ ack: msg.length, data: msg.data }, [msg.data]);
});
