import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/util/errors.ts
var InputError = class extends Error {
  input;
  value;
  constructor(input, value, problem) {
    super(`input "${input}"${value === "" ? "" : ` = "${value}"`}: ${problem}`);
    this.name = "InputError";
    this.input = input;
    this.value = value;
  }
};
var StageError = class extends Error {
  stage;
  constructor(stage, message, options) {
    super(message, options);
    this.name = "StageError";
    this.stage = stage;
  }
};
function errorMessage(err) {
  return err instanceof Error ? err.message : String(err);
}

// src/store/store.ts
var SetTransaction = class {
  staging;
  constructor(staging) {
    this.staging = staging;
  }
  createWriteStream(path) {
    return this.staging.createWriteStream(path);
  }
  writeFile(path, data) {
    return this.staging.writeFile(path, data);
  }
  copy(from, to) {
    return this.staging.copy(from, to);
  }
  async commit(order, options = {}) {
    for (const path of options.retract ?? []) await this.staging.remove(path);
    for (const path of order) await this.staging.place(path);
    for (const path of options.obsolete ?? []) await this.staging.remove(path);
  }
  abort() {
    return this.staging.discard();
  }
};

export {
  InputError,
  StageError,
  errorMessage,
  SetTransaction
};
