import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/util/node-version.ts
var NODE_MAJOR = 24;
function nodeTooOld(version, tool) {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (major >= NODE_MAJOR) return void 0;
  return `${tool} needs Node.js ${NODE_MAJOR} or later (this is ${version})`;
}

export {
  nodeTooOld
};
