import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { githubContext } from '../../src/github/context.ts'
import { channelSegments, deriveChannel, pathSafe } from '../../src/release/channel.ts'
import { imageFolder, indexFolder } from '../../src/release/layout.ts'

/** The run as the channel sees it, from GITHUB_* variables as the runner sets them. */
const runOf = (env: NodeJS.ProcessEnv) => githubContext(env).run
const events = join(import.meta.dirname, '..', 'fixtures', 'events')

describe('channel from the workflow run (real event payload shapes)', () => {
  test.each([
    ['push', 'refs/heads/main', 'push-main.json', 'stable'],
    ['push', 'refs/heads/feature/frr-10', 'push-feature.json', 'feature-frr-10'],
    ['pull_request', 'refs/pull/342/merge', 'pull-request.json', 'pull_requests/342-debian-13'],
    ['pull_request_target', 'refs/heads/main', 'pull-request.json', 'pull_requests/342-debian-13'],
    ['release', 'refs/tags/20261125', 'release.json', '20261125'],
    ['push', 'refs/tags/20261126', 'push-main.json', '20261126'],
    ['workflow_dispatch', 'refs/heads/master', 'workflow-dispatch.json', 'stable'],
    ['schedule', 'refs/heads/main', 'push-main.json', 'stable'],
  ])('%s on %s (%s) -> %s', (eventName, ref, payload, expected) => {
    const run = runOf({
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: eventName,
      GITHUB_REF: ref,
      GITHUB_EVENT_PATH: join(events, payload),
    })
    expect(deriveChannel(run)).toBe(expected)
  })

  test('outside GitHub Actions there is no channel', () => {
    expect(runOf({})).toBeUndefined()
    expect(deriveChannel(undefined)).toBe('')
  })

  test('without an event payload, the ref alone still decides (no default branch: a branch is its name)', () => {
    const run = runOf({
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_REF: 'refs/heads/main',
    })
    expect(deriveChannel(run)).toBe('main')
  })
})

describe('path safety', () => {
  test.each([
    ['feature/frr-10', 'feature-frr-10'],
    ['fix: ünïcode & spaces', 'fix-n-code-spaces'],
    ['..', '-'],
    ['../../etc', 'etc'],
    ['v1.2.3', 'v1.2.3'],
    ['a..b', 'a.b'],
  ])('%s -> %s', (name, safe) => {
    expect(pathSafe(name)).toBe(safe)
    expect(() => channelSegments(safe)).not.toThrow()
  })

  test.each(['', 'stable', 'pull_requests/12-fix', '20261125'])('channel %j is accepted', (channel) => {
    expect(channelSegments(channel).join('/')).toBe(channel)
  })

  test.each(['..', 'a/../b', '/abs', 'a//b', 'a/', 'white space', 'semi;colon', '.hidden'])(
    'channel %j is refused',
    (channel) => {
      expect(() => channelSegments(channel)).toThrow(/input "channel"/)
    },
  )
})

describe('layout', () => {
  const base = { channel: ['stable'], osName: 'debian', osVersion: '13', date: '20261125' }
  test.each([
    ['flat', ['stable', 'debian', '13'], ['stable', 'debian', '13']],
    ['versioned', ['stable', 'debian', '13', '20261125'], ['stable', 'debian', '13']],
  ] as const)('%s', (layout, image, index) => {
    expect(imageFolder({ ...base, layout })).toEqual(image)
    expect(indexFolder({ ...base, layout })).toEqual(index)
  })

  test('no channel outside Actions', () => {
    expect(imageFolder({ ...base, channel: [], layout: 'flat' })).toEqual(['debian', '13'])
  })
})
