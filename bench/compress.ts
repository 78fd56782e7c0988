// Compression alone, for the per-core figure: the rootfs tar through our LZ4 frame encoder into
// nothing. Run by bench/run.mjs under GNU time (Node 24 runs the TypeScript source directly).
import { createReadStream } from 'node:fs'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Lz4FrameEncoder } from '../src/lz4/frame.ts'

const [path, level = '1'] = process.argv.slice(2)
const sink = new Writable({
  write(_chunk, _encoding, done) {
    done()
  },
})
await pipeline(
  createReadStream(path!, { highWaterMark: 1 << 20 }),
  new Lz4FrameEncoder({ level: Number(level) }),
  sink,
)
