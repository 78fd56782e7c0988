#!/usr/bin/env node
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

// src/cli/bin.ts
holdSignals();
ignoreClosedOutput();
var tooOld = nodeTooOld(process.version, "metal-image");
if (tooOld) {
  process.stderr.write(`error: ${tooOld}
`);
  process.exit(1);
}
var { main } = await import("./cli-V2KZZRL2.js");
var code = await main(process.argv.slice(2));
await flushed();
process.exit(code);
