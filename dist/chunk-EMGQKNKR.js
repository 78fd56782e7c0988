import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/lz4/native.ts
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
var loaded;
function loadLz4Block() {
  if (loaded) return loaded;
  const here = dirname(fileURLToPath(import.meta.url));
  const name = `lz4block.${process.platform}-${process.arch}-gnu.node`;
  const file = import.meta.url.endsWith(".ts") ? join(here, "..", "..", "native", "prebuilt", name) : join(here, name);
  if (!existsSync(file)) return loaded = { addon: void 0, reason: `no ${name} for this platform` };
  try {
    return loaded = { addon: createRequire(import.meta.url)(file), file };
  } catch (err) {
    return loaded = { addon: void 0, reason: `${name} does not load: ${err.message}` };
  }
}

export {
  loadLz4Block
};
