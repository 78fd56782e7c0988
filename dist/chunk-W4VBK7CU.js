import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/util/entry.ts
var held;
var hold = (signal) => void (held ??= signal);
function holdSignals() {
  if (process.listeners("SIGINT").includes(hold)) return;
  process.on("SIGINT", hold);
  process.on("SIGTERM", hold);
}
function takeHeldSignal() {
  process.off("SIGINT", hold);
  process.off("SIGTERM", hold);
  const signal = held;
  held = void 0;
  return signal;
}
function ignoreClosedOutput() {
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {
  });
}

export {
  holdSignals,
  takeHeldSignal,
  ignoreClosedOutput
};
