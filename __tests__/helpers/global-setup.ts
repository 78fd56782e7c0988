import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Every temporary folder the tests make (images of a GB and more, decoded rootfs tars, stores' data)
 * goes under one folder for the run, removed when the run ends, whatever the tests left behind. The test
 * processes start after this and inherit TMPDIR, which os.tmpdir() reads.
 */
export default function setup(): () => void {
  const base = join(tmpdir(), 'metal-image-tests')
  mkdirSync(base, { recursive: true })
  const dir = mkdtempSync(join(base, 'run-'))
  const previous = process.env.TMPDIR
  process.env.TMPDIR = dir
  return () => {
    if (previous === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = previous
    rmSync(dir, { recursive: true, force: true })
  }
}
