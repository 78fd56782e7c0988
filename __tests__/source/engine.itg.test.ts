import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { DEFAULT_SOCKET, EngineError, engineGet, localEngineSocket } from '../../src/source/engine.ts'
import { dockerAvailable } from '../helpers/env.ts'

/** A home folder whose ~/.docker/config.json says `config` (or has none). */
function home(config?: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'metal-image-home-'))
  if (config) {
    mkdirSync(join(dir, '.docker'))
    writeFileSync(join(dir, '.docker', 'config.json'), JSON.stringify(config))
  }
  return dir
}

describe('localEngineSocket: the socket the docker CLI would use, only when it is a local one', () => {
  test('no DOCKER_HOST, no context: the default socket', () => {
    expect(localEngineSocket({}, home())).toBe(DEFAULT_SOCKET)
  })
  test('DOCKER_HOST unix:// gives its path; tcp:// and ssh:// leave it to the CLI', () => {
    expect(localEngineSocket({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }, home())).toBe(
      '/run/user/1000/docker.sock',
    )
    expect(localEngineSocket({ DOCKER_HOST: 'tcp://10.0.0.1:2376' }, home())).toBeUndefined()
    expect(localEngineSocket({ DOCKER_HOST: 'ssh://builder@host' }, home())).toBeUndefined()
  })
  test('a docker context, from DOCKER_CONTEXT or the config file, leaves it to the CLI', () => {
    expect(localEngineSocket({ DOCKER_CONTEXT: 'remote' }, home())).toBeUndefined()
    expect(localEngineSocket({ DOCKER_CONTEXT: 'default' }, home())).toBe(DEFAULT_SOCKET)
    expect(localEngineSocket({}, home({ currentContext: 'remote' }))).toBeUndefined()
    expect(localEngineSocket({}, home({ currentContext: 'default', auths: {} }))).toBe(DEFAULT_SOCKET)
    expect(localEngineSocket({}, home({ auths: {} }))).toBe(DEFAULT_SOCKET)
    const elsewhere = home({ currentContext: 'remote' })
    expect(localEngineSocket({ DOCKER_CONFIG: join(home(), 'none') }, elsewhere)).toBe(DEFAULT_SOCKET)
  })
  test('DOCKER_HOST wins over a context, as in the CLI', () => {
    expect(localEngineSocket({ DOCKER_HOST: 'unix:///x.sock', DOCKER_CONTEXT: 'remote' }, home())).toBe(
      '/x.sock',
    )
  })
})

describe('engineGet: a GET on the Engine API socket', () => {
  test('a socket that is not there: an error without an HTTP status (the caller falls back to the CLI)', async () => {
    const err = await engineGet('/nonexistent/docker.sock', '/_ping').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(EngineError)
    expect((err as EngineError).status).toBeUndefined()
    expect((err as Error).message).toMatch(
      /cannot reach the Docker Engine API at \/nonexistent\/docker.sock: ENOENT/,
    )
  })

  describe.skipIf(!dockerAvailable())('against the Docker engine', () => {
    const socket = localEngineSocket() ?? DEFAULT_SOCKET

    test('200: the socket is handed over at the first byte of the body', async () => {
      const body = await engineGet(socket, '/_ping')
      const parts: Buffer[] = []
      for await (const part of body) parts.push(part as Buffer)
      expect(Buffer.concat(parts).toString()).toBe('OK')
    })

    test("an error status: the daemon's message and the status", async () => {
      const err = await engineGet(socket, '/containers/metal-image-no-such-container/export').catch(
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(EngineError)
      expect((err as EngineError).status).toBe(404)
      expect((err as Error).message).toMatch(/No such container: metal-image-no-such-container/)
    })
  })
})
