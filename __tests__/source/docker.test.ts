import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { runDocker } from '../../src/source/docker.ts'
import { silentLog } from '../../src/util/log.ts'

// A docker that ends before it says anything (the OOM killer, a missing binary): the error the build
// shows comes from runDocker's tail, and must not be the command line, whose build args may be secrets.

const ARGS = ['buildx', 'build', '--build-arg', 'TOKEN=ghp_BUILDARG_SECRET', '.']
const withPath = (dir: string): void => void vi.stubEnv('PATH', `${dir}:/usr/bin:/bin`)
afterEach(() => void vi.unstubAllEnvs())

describe('docker ending without output', () => {
  test('killed: the signal is said, the command is not', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'fake-docker-'))
    writeFileSync(join(bin, 'docker'), '#!/bin/sh\nkill -9 $$\n')
    chmodSync(join(bin, 'docker'), 0o755)
    withPath(bin)
    const { done } = runDocker(ARGS, { log: silentLog, signal: new AbortController().signal })
    const finished = await done
    expect(finished.exitCode).toBeUndefined()
    expect(finished.tail).toEqual(['docker was ended by SIGKILL before it printed anything'])
  })

  test('not there at all: said, without the command', async () => {
    vi.stubEnv('PATH', mkdtempSync(join(tmpdir(), 'no-docker-')))
    const finished = await runDocker(ARGS, { log: silentLog, signal: new AbortController().signal }).done
    expect(finished.tail).toEqual(['docker did not start (ENOENT)'])
    expect(finished.tail.join('\n')).not.toMatch(/ghp_BUILDARG_SECRET/)
  })
})
