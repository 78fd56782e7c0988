import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  StageError,
  formatSeconds
} from "./chunk-EKRAGSSF.js";

// src/store/bucket.ts
var BucketObjects = class {
  s;
  constructor(client) {
    this.s = client;
  }
  url(path) {
    return this.s.url(path);
  }
  read(path) {
    return this.s.read(path);
  }
  exists(path) {
    return this.s.exists(path);
  }
  async put(path, data) {
    await this.s.write(path, data);
  }
  remove(path) {
    return this.s.delete(path);
  }
  async list(dir, deep = false) {
    return (await this.s.listing(dir, deep)).objects;
  }
  async place(path, staged, exclusive) {
    if (staged.kind === "data") return this.put(path, Buffer.from(staged.data, "base64"));
    return this.placeObject(path, staged, exclusive);
  }
  async placed(path, staged) {
    if (staged.kind === "data")
      return (await this.read(path))?.equals(Buffer.from(staged.data, "base64")) ?? false;
    return this.placedObject(path, staged);
  }
};
var MAX_READ_BYTES = 64 << 20;
async function readWhole(stream, url, declared) {
  const refuse = (size) => {
    stream.destroy?.();
    return new StageError(
      "store",
      `${url} is ${size}: more than the 64 MiB a file this tool reads may have (versions.json, a checksum file, the lock)`
    );
  };
  if (declared !== void 0 && declared > MAX_READ_BYTES) throw refuse(`${declared} bytes`);
  const chunks = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.length;
    if (total > MAX_READ_BYTES) throw refuse(`larger than that`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

// src/store/credentials.ts
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
var CREDENTIALS_TIMEOUT_MS = 1e4;
async function searchCredentials(kind, resolve, timeoutMs = CREDENTIALS_TIMEOUT_MS, env = process.env) {
  let timer;
  try {
    await Promise.race([
      resolve(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${formatSeconds(timeoutMs)}`)), timeoutMs);
        timer.unref();
      })
    ]);
    return { found: true, source: kind === "s3" ? awsSource(env) : gcsSource(env) };
  } catch (err) {
    return { found: false, tried: kind === "s3" ? awsSources(env) : gcsSources(env), why: firstLine(err) };
  } finally {
    clearTimeout(timer);
  }
}
function noCredentials(url, search) {
  return new StageError(
    "store",
    `no credentials found for ${url} (${search.why}); tried: ${search.tried.join("; ")}`
  );
}
function firstLine(err) {
  const message = err instanceof Error ? err.message : String(err);
  return message.split("\n")[0].slice(0, 200);
}
var set = (env, name) => env[name] ? `${name} is set` : `${name} is not set`;
function awsSources(env) {
  const imds = env.AWS_EC2_METADATA_DISABLED?.toLowerCase() === "true" ? "EC2 instance metadata (disabled by AWS_EC2_METADATA_DISABLED)" : `EC2 instance metadata at ${env.AWS_EC2_METADATA_SERVICE_ENDPOINT || "http://169.254.169.254"}`;
  return [
    `environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: ${env.AWS_ACCESS_KEY_ID ? "AWS_ACCESS_KEY_ID is set" : "not set"})`,
    `shared config and credentials files (${env.AWS_SHARED_CREDENTIALS_FILE || join(homedir(), ".aws", "credentials")}, profile ${env.AWS_PROFILE || "default"})`,
    `web identity (${set(env, "AWS_WEB_IDENTITY_TOKEN_FILE")})`,
    `container credentials (${env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ? "AWS_CONTAINER_CREDENTIALS_*_URI is set" : "AWS_CONTAINER_CREDENTIALS_*_URI not set"})`,
    imds
  ];
}
function awsSource(env = process.env) {
  if (env.AWS_ACCESS_KEY_ID) return "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment";
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE) return "the web identity token in AWS_WEB_IDENTITY_TOKEN_FILE (OIDC)";
  if (env.AWS_PROFILE) return `the AWS profile "${env.AWS_PROFILE}"`;
  if (env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)
    return "container credentials";
  return "the AWS SDK's default chain (shared config files, or instance metadata)";
}
function gcsSources(env) {
  const wellKnown = join(
    env.CLOUDSDK_CONFIG || join(homedir(), ".config", "gcloud"),
    "application_default_credentials.json"
  );
  return [
    `GOOGLE_APPLICATION_CREDENTIALS (${env.GOOGLE_APPLICATION_CREDENTIALS ? `set, ${existsSync(env.GOOGLE_APPLICATION_CREDENTIALS) ? "the file exists" : "no such file"}` : "not set"})`,
    `gcloud's application default credentials (${wellKnown}: ${existsSync(wellKnown) ? "exists" : "not found"})`,
    `the GCE metadata server (${env.GCE_METADATA_HOST || env.GCE_METADATA_IP || "169.254.169.254 and metadata.google.internal"})`
  ];
}
function gcsSource(env = process.env) {
  if (env.GOOGLE_APPLICATION_CREDENTIALS)
    return "the credentials file named by GOOGLE_APPLICATION_CREDENTIALS";
  return "application default credentials (gcloud, or the metadata server)";
}

export {
  BucketObjects,
  readWhole,
  CREDENTIALS_TIMEOUT_MS,
  searchCredentials,
  noCredentials,
  awsSource,
  gcsSource
};
