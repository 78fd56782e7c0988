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
  // Credential discovery asks cloud metadata servers (EC2's, GCE's): never off this machine in a test.
  // Tests that want one start a stand-in and point these at it.
  process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT ??= 'http://127.0.0.1:9'
  process.env.GCE_METADATA_HOST ??= '127.0.0.1:9'
  return () => {
    if (previous === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = previous
    rmSync(dir, { recursive: true, force: true })
  }
}
