import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  debug,
  getInput,
  group,
  info,
  notice,
  setFailed,
  setOutput,
  setSecret,
  summary,
  warning
} from "./chunk-SWQLHEAV.js";
import {
  IMAGE_FILE,
  TestFailure,
  credentialsFound,
  decideArtifact,
  githubContext,
  outputsOf,
  parseInputs,
  runImage,
  uploadImageArtifact,
  withCancellation
} from "./chunk-MCX5LDOI.js";
import "./chunk-ILZ77HWZ.js";
import "./chunk-THK3DBOI.js";
import "./chunk-6YDDJ5MZ.js";
import {
  errorMessage,
  formatBytes,
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

// src/github/action.ts
import { join } from "node:path";

// src/config/secret-values.ts
function secretValues(source) {
  const buildx = source.kind === "build" ? source.build.buildx : source.kind === "bake" ? source.bake.buildx : void 0;
  const values = [];
  for (const s of buildx?.secrets ?? []) {
    const value = s.kind === "value" ? s.source : s.kind === "env" ? process.env[s.source] : void 0;
    if (value)
      values.push(value, ...value.split(/\r?\n/).filter((line) => line.trim() !== "" && line !== value));
  }
  return values;
}

// src/github/summary.ts
function summaryTables(result, artifact, endpoint = "") {
  const facts = [
    ["Image id", result.imageId],
    ["Version", `${result.version} (semver ${result.semver})`],
    ["Previous version", result.previous ?? "none"],
    ["Channel", result.channel || "(none)"]
  ];
  const built = result.build;
  if (built) {
    const ratio = `${(100 * result.size / Math.max(1, built.rootfsSize)).toFixed(1)} %`;
    facts.push(
      ["Rootfs", `${formatBytes(built.rootfsSize)} (${built.rootfsSize} bytes) from ${result.method}`],
      [
        IMAGE_FILE,
        `${formatBytes(result.size)} (${result.size} bytes, ${ratio}), LZ4 level ${built.compressionLevel}`
      ]
    );
  } else {
    facts.push([IMAGE_FILE, `${formatBytes(result.size)} (${result.size} bytes); ${result.method}`]);
  }
  if (built?.cache) facts.push(["Build cache", built.cache]);
  if (built?.test) facts.push(["Test", testLine(built.test)]);
  facts.push(
    ["MD5", result.md5],
    [
      "Packages",
      !built ? "not counted" : built.packages !== void 0 ? String(built.packages) : "no dpkg database"
    ]
  );
  const text = (rows) => rows.map((row) => row.map((cell) => escapeHtml(redact(cell))));
  return {
    facts: text(facts),
    files: [
      ...result.files.map((f) => [f.name, linked(f.url, endpoint), formatBytes(f.bytes)]),
      ...artifact ? [[`workflow artifact ${artifact.id}`, escapeHtml(artifact.url), formatBytes(artifact.size)]] : []
    ],
    // Messages and paths come from the image: the summary is HTML, so they go in as text.
    contract: (result.build?.contract?.findings ?? []).map((f) => [
      f.level,
      f.id,
      escapeHtml(f.message),
      escapeHtml(f.path ?? "")
    ]),
    packageChanges: result.build?.packageChanges,
    timings: result.timings.map((t) => [t.stage, formatSeconds(t.ms)])
  };
}
function testLine(t) {
  const what = t.mode === "boot" ? `installed with ${t.installer} and booted ${t.kernel} (${t.accel?.toUpperCase()}) to "${t.successLine}"` : `installed with ${t.installer}; boot-info.yaml names ${t.kernel} and ${t.initrd || "no initrd"}`;
  const command = t.command ? `; test-command exited ${t.command.exitCode}` : "";
  return `${t.mode} passed: ${what}${command}`;
}
function withoutCredentials(endpoint) {
  try {
    const url = new URL(endpoint);
    url.username = "";
    url.password = "";
    url.search = "";
    return url.href;
  } catch {
    return redact(endpoint);
  }
}
function linked(url, endpoint = "") {
  const m = /^(gs|s3):\/\/([^/]+)\/(.*)$/.exec(url);
  if (!m) return escapeHtml(url);
  const [, scheme, bucket, key] = m;
  const path = key.split("/").map(encodeURIComponent).join("/");
  const href = scheme === "gs" ? `https://storage.googleapis.com/${bucket}/${path}` : endpoint ? `${withoutCredentials(endpoint).replace(/\/+$/, "")}/${bucket}/${path}` : `https://${bucket}.s3.amazonaws.com/${path}`;
  return `<a href="${escapeHtml(href)}">${escapeHtml(url)}</a>`;
}
function testFailureSummary(failure, artifact) {
  const parts = [
    `<h2>Image test failed in phase ${escapeHtml(failure.phase)}: nothing was published</h2>`,
    `<p>${escapeHtml(failure.reason)}</p>`
  ];
  if (failure.installerTail)
    parts.push("<h3>Installer output (last lines)</h3>", `<pre>${escapeHtml(failure.installerTail)}</pre>`);
  if (failure.consoleTail)
    parts.push("<h3>Console (last lines)</h3>", `<pre>${escapeHtml(failure.consoleTail)}</pre>`);
  if (artifact)
    parts.push(
      `<p>The full installer.log and console.log: <a href="${escapeHtml(artifact.url)}">workflow artifact</a></p>`
    );
  return `${parts.join("\n")}
`;
}
function escapeHtml(text) {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

// src/github/action.ts
var shown = (message) => inert(redact(message));
var actionsLog = {
  info: (message) => info(shown(message)),
  warning: (message) => warning(shown(message)),
  debug: (message) => debug(shown(message)),
  group: (name, fn) => group(shown(name), fn)
};
async function run() {
  let logsArtifact;
  let stepSummary;
  try {
    for (const name of ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "CLOUDSDK_AUTH_ACCESS_TOKEN"])
      if (process.env[name]) setSecret(process.env[name]);
    const github = githubContext();
    stepSummary = github.stepSummary;
    let config = parseInputs((name) => getInput(name));
    if (config.mode === "publish") for (const value of secretValues(config.source)) setSecret(value);
    const artifact = config.mode === "publish" ? await artifactPlan(config, github) : void 0;
    if (artifact?.upload && config.mode === "publish") {
      const publishing = config;
      logsArtifact = async (logs) => logs.names.length === 0 ? void 0 : group(
        "Workflow artifact: the image test's logs",
        () => uploadImageArtifact({
          name: `${publishing.artifact.name || `${publishing.osName}-${publishing.osVersion}`}-test-logs`,
          files: logs.names.map((n) => join(logs.folder, n)),
          rootDirectory: logs.folder,
          retentionDays: publishing.artifact.retentionDays,
          log: actionsLog,
          github
        })
      );
    }
    if (artifact?.destination) config = { ...config, ...artifact.destination };
    const ctx = { now: /* @__PURE__ */ new Date(), cwd: process.cwd(), run: github.run, head: github.head };
    const result = await withCancellation(
      (signal) => runImage(config, { log: actionsLog, signal, ctx, localCopy: artifact?.localCopy })
    );
    let uploaded;
    if (artifact?.upload && result.localFiles && config.mode === "publish") {
      const files = result.localFiles;
      uploaded = await group(
        "Workflow artifact",
        () => uploadImageArtifact({
          name: config.mode === "publish" ? config.artifact.name || result.imageId : result.imageId,
          files: files.names.map((n) => join(files.folder, n)),
          rootDirectory: files.folder,
          retentionDays: config.mode === "publish" ? config.artifact.retentionDays : void 0,
          log: actionsLog,
          github
        })
      );
    }
    if (uploaded && result.build?.testLogs) await logsArtifact?.(result.build.testLogs);
    for (const [name, value] of Object.entries(outputsOf(result, uploaded))) setOutput(name, value);
    if (github.stepSummary) await writeSummary(result, uploaded, config.store.endpoint);
  } catch (err) {
    if (err instanceof TestFailure) await reportTestFailure(err, logsArtifact, stepSummary);
    setFailed(redact(errorMessage(err)));
  }
}
async function reportTestFailure(failure, logsArtifact, stepSummary) {
  setOutput(
    "test-result",
    JSON.stringify({ passed: false, phase: failure.phase, message: failure.reason })
  );
  let artifact;
  try {
    artifact = await logsArtifact?.(failure.logs);
  } catch (err) {
    warning(shown(`The image test's logs could not be uploaded: ${errorMessage(err)}`));
  }
  if (stepSummary) await summary.addRaw(testFailureSummary(failure, artifact), true).write();
}
async function artifactPlan(config, github) {
  const present = config.artifact.mode === "false" || !config.destinationGiven ? true : await credentialsFound(config.destination, config.store.endpoint);
  const decision = decideArtifact(config.artifact.mode, {
    inGitHubActions: !github.missingForArtifacts.some((k) => k.startsWith("ACTIONS_")),
    destinationGiven: config.destinationGiven,
    credentialsPresent: present,
    event: github.event
  });
  info(shown(decision.reason));
  const scratch = join(github.runnerTemp, "metal-image-artifact");
  if (decision.upload && !present) {
    notice(
      `No credentials for ${config.destination} in this run: the image goes to a workflow artifact only`
    );
    return {
      upload: true,
      destination: { destination: join(scratch, "images"), store: { ...config.store, endpoint: "" } }
    };
  }
  if (decision.upload && /^(s3|gs):\/\//.test(config.destination))
    return { upload: true, localCopy: join(scratch, "copy") };
  return { upload: decision.upload };
}
async function writeSummary(result, artifact, endpoint) {
  const { facts, files, timings, contract, packageChanges } = summaryTables(result, artifact, endpoint);
  const table = (head, rows) => [head.map((data) => ({ data, header: true })), ...rows];
  const summary2 = summary.addHeading(`metal-stack image ${facts[0][1]}`, 2).addTable(table(["", "Value"], facts));
  if (packageChanges) summary2.addRaw(`
${packageChanges}
`, true);
  summary2.addHeading("Published files", 3).addTable(table(["File", "URL", "Size"], files)).addHeading("Contract (metal-hammer)", 3);
  if (contract.length > 0) summary2.addTable(table(["Level", "Check", "Finding", "Path"], contract));
  else summary2.addRaw("No findings.", true);
  await summary2.addHeading("Stages", 3).addTable(table(["Stage", "Time"], timings)).write();
}
export {
  run
};
