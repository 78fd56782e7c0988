#!/usr/bin/env node
import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  nodeTooOld
} from "./chunk-CCHA6XHB.js";
import "./chunk-VF57VZD3.js";

// src/cli/bin.ts
var tooOld = nodeTooOld(process.version, "metal-image");
if (tooOld) {
  process.stderr.write(`error: ${tooOld}
`);
  process.exit(1);
}
var { main } = await import("./cli-HW3UEOYW.js");
var code = await main(process.argv.slice(2));
process.exit(code);
