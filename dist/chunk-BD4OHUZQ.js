import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/errors.ts
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

export {
  InputError,
  StageError,
  errorMessage
};
