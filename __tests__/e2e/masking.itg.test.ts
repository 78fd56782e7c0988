import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { installAction, runAction } from '../helpers/action.ts'

// The bundled action registers the build's secrets with the runner (`::add-mask::`) before anything runs:
// a build step that prints one then shows `***` in the job's log. The runner itself is not here (no
// real one can run on this machine): what it is told is checked.

test("the build's secret values, and each line of a multi-line one, are masked before the build", async () => {
  const run = await runAction(
    installAction(),
    {
      'os-name': 'debian',
      'os-version': '12',
      // A context that is not there: the run fails before docker, after the masks.
      context: join(mkdtempSync(join(tmpdir(), 'masking-')), 'missing'),
      secrets: 'token=s3cr3t-value-1',
      'secret-envs': 'key=MASKING_TEST_KEY',
    },
    { env: { MASKING_TEST_KEY: '-----BEGIN KEY-----\nbXVsdGk=\n-----END KEY-----' } },
  )
  expect(run.code).toBe(1)
  const masks = run.stdout.split('\n').filter((l) => l.startsWith('::add-mask::'))
  expect(masks).toEqual(
    expect.arrayContaining([
      '::add-mask::s3cr3t-value-1',
      '::add-mask::-----BEGIN KEY-----',
      '::add-mask::bXVsdGk=',
      '::add-mask::-----END KEY-----',
    ]),
  )
  // Registered before the first line that could show one.
  expect(run.stdout.indexOf('::add-mask::s3cr3t-value-1')).toBeLessThan(run.stdout.indexOf('::error::'))
  expect(
    run.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n'),
  ).not.toMatch(/s3cr3t|bXVsdGk/)
})
