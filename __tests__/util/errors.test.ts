import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { errnoWords, errorMessage, failure, InputError, isSystemError } from '../../src/util/errors.ts'

const work = mkdtempSync(join(tmpdir(), 'errors-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** The error a real system call throws. */
function thrown(fn: () => void): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('it did not throw')
}

describe('system errors in words', () => {
  test('a failed rename that reaches the top names both paths and the reason, not only the errno', () => {
    const from = join(work, 'a')
    const to = join(work, 'dir')
    writeFileSync(from, 'x')
    mkdirSync(join(to, 'inside'), { recursive: true })
    const err = thrown(() => renameSync(from, to))
    expect(isSystemError(err)).toBe(true)
    expect((err as Error).message).toMatch(/^EISDIR: /)
    expect(errorMessage(err)).toBe(`cannot rename ${from} to ${to}: it is a folder (EISDIR)`)
  })

  test('a bare write error (what a stream reports) still says what failed', () => {
    const err = Object.assign(new Error('ENOSPC: no space left on device, write'), {
      errno: -28,
      code: 'ENOSPC',
      syscall: 'write',
    })
    expect(errorMessage(err)).toBe('cannot write: the disk is full (ENOSPC)')
    expect(failure('store', 'write img.tar.lz4 to /x/y', err).message).toBe(
      'cannot write img.tar.lz4 to /x/y: the disk is full (ENOSPC)',
    )
  })

  test('EPERM says what usually causes it', () => {
    const err = Object.assign(new Error('EPERM: operation not permitted, rename'), {
      errno: -1,
      code: 'EPERM',
      syscall: 'rename',
      path: '/x/.img.partial',
      dest: '/x/img',
    })
    expect(errorMessage(err)).toBe(
      'cannot rename /x/.img.partial to /x/img: the operation is not permitted (an immutable or append-only file, or a protected folder) (EPERM)',
    )
  })

  test("a code without words of ours keeps Node's description", () => {
    const err = thrown(() => renameSync(join(work, 'dir'), join(work, 'dir', 'inside', 'sub')))
    expect(errnoWords(err as NodeJS.ErrnoException)).toBe('invalid argument (EINVAL)')
  })

  test('other errors keep their message', () => {
    expect(errorMessage(new InputError('rootfs', '-', 'no'))).toBe('input "rootfs" = "-": no')
    expect(errorMessage('text')).toBe('text')
    expect(failure('store', 'write x', new Error('503 Slow Down')).message).toBe(
      'cannot write x: 503 Slow Down',
    )
  })
})
