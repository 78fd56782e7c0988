import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  decideArtifact,
  outputsOf,
  parseInputs,
  publish,
  summaryTables,
  uploadImageArtifact
} from "./chunk-WBLLFWBD.js";
import {
  errorMessage
} from "./chunk-BD4OHUZQ.js";
import "./chunk-MBAVD65T.js";
import "./chunk-ILZ77HWZ.js";
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
} from "./chunk-4CH5IAUH.js";
import "./chunk-VF57VZD3.js";

// src/main.ts
import { readFileSync } from "node:fs";
import { join } from "node:path";
var actionsLog = {
  info: (message) => info(message),
  warning: (message) => warning(message),
  debug: (message) => debug(message),
  group: (name, fn) => group(name, fn)
};
async function run() {
  const abort = new AbortController();
  const cancel = (signal) => abort.abort(signal);
  process.on("SIGINT", cancel);
  process.on("SIGTERM", cancel);
  try {
    for (const name of ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "CLOUDSDK_AUTH_ACCESS_TOKEN"])
      if (process.env[name]) setSecret(process.env[name]);
    let config = parseInputs((name) => getInput(name));
    const decision = decideArtifact(config.artifact.mode, {
      inGitHubActions: Boolean(process.env.ACTIONS_RUNTIME_TOKEN && process.env.ACTIONS_RESULTS_URL),
      destinationGiven: config.destinationGiven,
      credentialsPresent: credentialsPresent(config.destination),
      event: githubEvent()
    });
    info(decision.reason);
    const scratch = join(process.env.RUNNER_TEMP || "/tmp", "metal-image-artifact");
    let localCopy;
    if (decision.upload && !credentialsPresent(config.destination)) {
      notice(
        `No credentials for ${config.destination} in this run: the image goes to a workflow artifact only`
      );
      config = { ...config, destination: join(scratch, "images"), store: { ...config.store, endpoint: "" } };
    } else if (decision.upload && /^(s3|gs):\/\//.test(config.destination)) {
      localCopy = join(scratch, "copy");
    }
    const result = await publish(config, { log: actionsLog, signal: abort.signal, localCopy });
    let artifact;
    if (decision.upload && result.localFiles)
      artifact = await group(
        "Workflow artifact",
        () => uploadImageArtifact({
          name: config.artifact.name || result.imageId,
          files: result.localFiles.names.map((n) => join(result.localFiles.folder, n)),
          rootDirectory: result.localFiles.folder,
          retentionDays: config.artifact.retentionDays,
          log: actionsLog
        })
      );
    for (const [name, value] of Object.entries(outputsOf(result, artifact))) setOutput(name, value);
    if (process.env.GITHUB_STEP_SUMMARY)
      await writeSummary(summaryTables(result, artifact, config.store.endpoint));
  } catch (err) {
    setFailed(errorMessage(err));
  } finally {
    process.off("SIGINT", cancel);
    process.off("SIGTERM", cancel);
  }
}
async function writeSummary({
  facts,
  files,
  timings,
  contract,
  packageChanges
}) {
  const table = (head, rows) => [
    head.map((data) => ({ data, header: true })),
    ...rows.map((row) => row.map((cell) => cell))
  ];
  const summary2 = summary.addHeading(`metal-stack image ${facts[0][1]}`, 2).addTable(table(["", "Value"], facts));
  if (packageChanges) summary2.addRaw(`
${packageChanges}
`, true);
  summary2.addHeading("Published files", 3).addTable(table(["File", "URL", "Size"], files)).addHeading("Contract (metal-hammer)", 3);
  if (contract.length > 0) summary2.addTable(table(["Level", "Check", "Finding", "Path"], contract));
  else summary2.addRaw("No findings.", true);
  await summary2.addHeading("Stages", 3).addTable(table(["Stage", "Time"], timings)).write();
}
function credentialsPresent(destination, env = process.env) {
  if (destination.startsWith("s3://"))
    return Boolean(
      env.AWS_ACCESS_KEY_ID || env.AWS_WEB_IDENTITY_TOKEN_FILE || env.AWS_PROFILE || env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
    );
  if (destination.startsWith("gs://"))
    return Boolean(
      env.GOOGLE_APPLICATION_CREDENTIALS || env.GOOGLE_GHA_CREDS_PATH || env.CLOUDSDK_AUTH_ACCESS_TOKEN || env.STORAGE_EMULATOR_HOST
    );
  return true;
}
function githubEvent(env = process.env) {
  let payload = {};
  try {
    if (env.GITHUB_EVENT_PATH) payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, "utf8"));
  } catch {
  }
  return { name: env.GITHUB_EVENT_NAME ?? "", payload };
}

// src/index.ts
await run();
process.exit();
