import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  flushed,
  nodeTooOld
} from "./chunk-2QJDOJS5.js";
import {
  holdSignals,
  ignoreClosedOutput
} from "./chunk-W4VBK7CU.js";
import "./chunk-VF57VZD3.js";

// src/github/index.ts
holdSignals();
ignoreClosedOutput();
var tooOld = nodeTooOld(process.version, "metal-image-action");
if (tooOld) {
  process.stdout.write(`::error::${tooOld}
`);
  process.exit(1);
}
var { run } = await import("./action-FMREDHZG.js");
await run();
await flushed();
process.exit();
