// The reference's second step: upload an already compressed image, with the same S3 client code the
// action streams with (8 MiB parts, 3 in flight, Content-MD5 each), so the two orders differ only in
// order. Run by bench/run.mjs under GNU time; credentials and endpoint from the environment.
import { createReadStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import { parseInputs } from '../src/config/parse.ts'
import { S3Store } from '../src/store/s3.ts'

const [path, bucket, key] = process.argv.slice(2) as [string, string, string]
const inputs: Record<string, string> = {
  'os-name': 'debian',
  'os-version': '12',
  endpoint: process.env.S3_ENDPOINT ?? '',
}
const store = new S3Store(bucket, '', parseInputs((n) => inputs[n] ?? '').store)
const tx = await store.begin([key])
await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), tx.createWriteStream(key))
await tx.commit({
  lockDir: key.slice(0, Math.max(0, key.lastIndexOf('/'))),
  image: key,
  companions: [],
  seal: [],
  retract: [],
  obsolete: [],
})
