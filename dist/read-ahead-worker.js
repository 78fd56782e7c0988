import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  readAhead
} from "./chunk-TE56CBLR.js";
import "./chunk-XYX34ZYA.js";
import "./chunk-EMGQKNKR.js";
import "./chunk-VF57VZD3.js";

// src/pipeline/read-ahead-worker.ts
import { Socket } from "node:net";
import { parentPort, workerData } from "node:worker_threads";
var { fd, owner, memory, dir } = workerData;
var port = parentPort;
if (Atomics.compareExchange(owner, 0, 0, 1) !== 0) process.exit(0);
var socket = new Socket({ fd, readable: true, writable: false });
var ahead = readAhead(socket, { memory, dir, onSpill: (file) => port.postMessage({ spill: file }) });
var credits = 0;
function pump() {
  while (credits > 0) {
    const chunk = ahead.read();
    if (chunk === null) return;
    credits--;
    const whole = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
    const data = whole ? chunk.buffer : new Uint8Array(chunk).buffer;
    port.postMessage({ data }, [data]);
  }
}
ahead.on("readable", pump);
ahead.once("end", () => port.postMessage({ end: true }));
ahead.once("error", (err) => port.postMessage({ error: err.message }));
port.on("message", (msg) => {
  if ("stop" in msg) {
    ahead.destroy();
    port.close();
    return;
  }
  credits += msg.more;
  pump();
});
