import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  RpmDbError,
  RpmDbLimitError,
  readRpmDbFile
} from "./chunk-MBMCBANP.js";
import "./chunk-VF57VZD3.js";

// src/packages/rpm/child.ts
function answer() {
  const request = JSON.parse(process.argv[2] ?? "{}");
  try {
    const db = readRpmDbFile(request.file, request.limits);
    return { ok: { packages: db.packages, qa: db.qa.toString("base64") } };
  } catch (err) {
    if (!(err instanceof RpmDbError)) throw err;
    return { error: { message: err.message, hnum: err.hnum, limit: err instanceof RpmDbLimitError } };
  }
}
process.stdout.write(JSON.stringify(answer()));
