import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  INPUTS,
  OUTPUTS,
  TOOL,
  decideArtifact,
  githubContext,
  outputsOf,
  parseInputs,
  runImage,
  withCancellation
} from "./chunk-MCX5LDOI.js";
import "./chunk-ILZ77HWZ.js";
import "./chunk-THK3DBOI.js";
import "./chunk-6YDDJ5MZ.js";
import {
  InputError,
  errorMessage,
  formatSeconds,
  inert,
  redact
} from "./chunk-EKRAGSSF.js";
import "./chunk-W4VBK7CU.js";
import "./chunk-TE56CBLR.js";
import "./chunk-XYX34ZYA.js";
import "./chunk-MBMCBANP.js";
import "./chunk-P6DSCTJD.js";
import "./chunk-EMGQKNKR.js";
import "./chunk-VF57VZD3.js";

// src/cli/cli.ts
var BOOLEAN_INPUTS = /* @__PURE__ */ new Set(["no-cache", "pull", "push"]);
var LIST_INPUTS = /* @__PURE__ */ new Set([
  "build-args",
  "labels",
  "bake-files",
  "set",
  "build-contexts",
  "secrets",
  "secret-files",
  "secret-envs",
  "ssh",
  "cache-from",
  "cache-to",
  "add-hosts",
  "tags",
  "attests"
]);
function parseArgs(argv) {
  const values = /* @__PURE__ */ new Map();
  let help = false;
  let version = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      help = true;
      continue;
    }
    if (arg === "--version") {
      version = true;
      continue;
    }
    const match = /^--([a-z0-9-]+)(?:=(.*))?$/s.exec(arg);
    if (!match)
      throw new InputError("arguments", arg, "expected --<input> <value> or --<input>=<value>; see --help");
    const name = match[1];
    if (!(name in INPUTS)) throw new InputError(name, "", `unknown flag --${name}; see --help for the inputs`);
    let value = match[2];
    if (value === void 0) {
      const next = argv[i + 1];
      if (BOOLEAN_INPUTS.has(name)) {
        value = next === "true" || next === "false" ? argv[++i] : "true";
      } else {
        if (next === void 0 || next.startsWith("--"))
          throw new InputError(name, "", `--${name} needs a value; see --help`);
        value = argv[++i];
      }
    }
    const previous = values.get(name);
    values.set(name, LIST_INPUTS.has(name) && previous ? `${previous}
${value}` : value);
  }
  return { values, help, version };
}
function helpText() {
  const lines = [
    "Usage: metal-image --os-name NAME --os-version VERSION [options]",
    "",
    "Builds a Dockerfile (or exports an image, or reads a rootfs tar) into a metal-stack OS image:",
    "img.tar.lz4 (one LZ4 frame), img.tar.lz4.md5 and packages.txt in <destination>/<os-name>/<os-version>/.",
    "The same pipeline as the GitHub Action; every action input is a flag of the same name.",
    "",
    "Options:"
  ];
  for (const [name, spec] of Object.entries(INPUTS)) {
    const flag = BOOLEAN_INPUTS.has(name) ? `--${name}` : `--${name} VALUE`;
    const dflt = spec.defaultText ?? spec.default;
    lines.push(`  ${flag}`, `      ${spec.description}${dflt ? ` (default: ${dflt})` : ""}`);
    if (LIST_INPUTS.has(name)) lines.push("      Repeat the flag for several lines.");
  }
  lines.push(
    "  --help",
    "      Show this help.",
    "  --version",
    "      Print the version and exit.",
    "",
    "Outputs, printed to stdout as name=value lines at the end:"
  );
  for (const [name, description] of Object.entries(OUTPUTS)) lines.push(`  ${name}`, `      ${description}`);
  lines.push("", "Logs go to stderr. Exit code 0 when the image was published, 1 otherwise.");
  return lines.join("\n") + "\n";
}
function stderrLog() {
  const write = (line) => void process.stderr.write(inert(redact(line)) + "\n");
  return {
    info: write,
    warning: (message) => write(`warning: ${message}`),
    debug: (message) => {
      if (process.env.METAL_IMAGE_DEBUG) write(`debug: ${message}`);
    },
    async group(name, fn) {
      write(`==> ${name}`);
      const start = performance.now();
      try {
        return await fn();
      } finally {
        write(`<== ${name} (${formatSeconds(performance.now() - start)})`);
      }
    }
  };
}
async function main(argv) {
  try {
    const { values, help, version } = parseArgs(argv);
    if (help) {
      process.stdout.write(helpText());
      return 0;
    }
    if (version) {
      process.stdout.write(`${TOOL.version}
`);
      return 0;
    }
    const config = parseInputs((name) => values.get(name) ?? "");
    const log = stderrLog();
    if (config.mode === "publish") {
      const artifact = decideArtifact(config.artifact.mode, {
        inGitHubActions: false,
        destinationGiven: config.destinationGiven,
        credentialsPresent: true,
        event: { name: "", payload: {} }
      });
      if (config.artifact.mode === "auto" && !config.destinationGiven) log.info(artifact.reason);
    }
    const github = githubContext();
    const ctx = { now: /* @__PURE__ */ new Date(), cwd: process.cwd(), run: github.run, head: github.head };
    const result = await withCancellation((signal) => runImage(config, { log, signal, ctx }));
    for (const [name, value] of Object.entries(outputsOf(result))) process.stdout.write(`${name}=${value}
`);
    return 0;
  } catch (err) {
    process.stderr.write(`error: ${inert(redact(errorMessage(err)))}
`);
    return 1;
  }
}
export {
  helpText,
  main,
  parseArgs
};
