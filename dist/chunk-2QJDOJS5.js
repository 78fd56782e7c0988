import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/util/node-version.ts
var NODE_MAJOR = 24;
function nodeTooOld(version, tool) {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (major >= NODE_MAJOR) return void 0;
  return `${tool} needs Node.js ${NODE_MAJOR} or later (this is ${version})`;
}
async function flushed(ms = 5e3) {
  let timer;
  const drained = (stream) => new Promise((resolve) => stream.write("", () => resolve()));
  await Promise.race([
    Promise.all([drained(process.stdout), drained(process.stderr)]),
    new Promise((resolve) => timer = setTimeout(resolve, ms))
  ]);
  clearTimeout(timer);
}

export {
  nodeTooOld,
  flushed
};
