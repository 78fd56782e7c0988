import { describe, expect, test } from 'vitest'
import { InputError } from '../../src/util/errors.ts'
import {
  compareVersions,
  decideVersion,
  imageVersion,
  isCalendarDate,
  nextReleaseTag,
  parseImageId,
  sortImageIds,
  utcDate,
} from '../../src/release/version.ts'

describe('imageVersion', () => {
  test.each([
    ['debian', '12', '20261125', '12.0.20261125', '12.0.20261125', 'debian-12.0.20261125'],
    ['debian', '13', '20300101', '13.0.20300101', '13.0.20300101', 'debian-13.0.20300101'],
    ['ubuntu', '20.04', '20201026', '20.4.20201026', '20.4.20201026', 'ubuntu-20.4.20201026'],
    ['ubuntu', '26.04', '20261204', '26.4.20261204', '26.4.20261204', 'ubuntu-26.4.20261204'],
    ['ubuntu', '19.10', '20191018', '19.10.20191018', '19.10.20191018', 'ubuntu-19.10.20191018'],
    ['firewall-ubuntu', '3.0', '20201214', '3.0.20201214', '3.0.20201214', 'firewall-ubuntu-3.0.20201214'],
    // metal-images' folders: firewall/3.0-ubuntu and capms-ubuntu/1.32.9, the ids metal-stack uses for them.
    ['firewall', '3.0-ubuntu', '20261204', '3.0.20261204', '3.0.20261204', 'firewall-ubuntu-3.0.20261204'],
    ['capms-ubuntu', '1.32.9', '20261204', '1.32.9', '1.32.9', 'capms-ubuntu-1.32.9'],
    ['almalinux', '10', '20261204', '10.0.20261204', '10.0.20261204', 'almalinux-10.0.20261204'],
  ])('%s %s on %s', (os, ver, date, version, semver, imageId) => {
    expect(imageVersion(os, ver, date)).toEqual({ version, semver, imageId, date })
  })

  test('image-name replaces the OS part of the id', () => {
    expect(imageVersion('firewall', '3.0-ubuntu', '20261204', 'ubuntu-firewall').imageId).toBe(
      'ubuntu-firewall-3.0.20261204',
    )
  })

  test.each([
    ['debian', '13'],
    ['ubuntu', '26.04'],
    ['firewall', '3.0-ubuntu'],
    ['capms-ubuntu', '1.32.9'],
    ['almalinux', '10'],
  ])(
    "%s %s: metal-lib's GetOsAndSemverFromImage reads the id back (os, and at most three numbers)",
    (os, ver) => {
      const { imageId, version } = imageVersion(os, ver, '20261204')
      // metal-lib: split on "-", the last part is the version (Masterminds semver: up to three numbers).
      const parts = imageId.split('-')
      expect(parts.at(-1)).toBe(version)
      expect(parts.at(-1)).toMatch(/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/)
      expect(parseImageId(imageId)?.version).toBe(version)
    },
  )
})

describe('dates', () => {
  test.each([
    ['2026-11-25T23:59:59.999Z', '20261125'],
    ['2026-11-26T00:00:00.000Z', '20261126'],
    // Just after midnight in Berlin is still the previous day in UTC.
    ['2026-11-26T00:30:00+01:00', '20261125'],
    // Just before midnight in New York is already the next day in UTC.
    ['2026-12-31T23:30:00-05:00', '20270101'],
  ])('%s is dated %s (UTC)', (at, date) => {
    expect(utcDate(new Date(at))).toBe(date)
  })

  test.each([
    ['20280229', true],
    ['20000229', true],
    ['20270229', false],
    ['19000229', false],
    ['21000229', false],
    ['20261131', false],
    ['20261301', false],
    ['20261200', false],
    ['2026112', false],
    ['19691231', false],
  ])('%s is a calendar date: %s', (date, ok) => {
    expect(isCalendarDate(date)).toBe(ok)
  })
})

describe('ordering as metal-api orders ids', () => {
  test('semver precedence, not string order', () => {
    expect(
      sortImageIds([
        'ubuntu-20.04.20210101',
        'ubuntu-20.10.20201026',
        'ubuntu-20.04.20201026',
        'debian-10.0.20200101',
        'ubuntu-19.10.20191018',
        'ubuntu-small-19.04.20200408',
      ]),
    ).toEqual([
      'debian-10.0.20200101',
      'ubuntu-19.10.20191018',
      'ubuntu-20.04.20201026',
      'ubuntu-20.04.20210101',
      'ubuntu-20.10.20201026',
      'ubuntu-small-19.04.20200408',
    ])
  })

  test.each([
    ['ubuntu-small-19.04.20200408', { os: 'ubuntu-small', version: '19.04.20200408' }],
    ['firewall-ubuntu-3.0.20201214', { os: 'firewall-ubuntu', version: '3.0.20201214' }],
    ['debian', undefined],
    ['debian-latest', undefined],
  ])('%s splits at the last dash', (id, expected) => {
    expect(parseImageId(id)).toEqual(expected)
  })

  test('a leading zero in the minor compares as the number', () => {
    expect(compareVersions('20.04.20201026', '20.4.20201026')).toBe(0)
    expect(compareVersions('20.04.20201026', '20.10.20190101')).toBe(-1)
    // A later year is a higher patch.
    expect(compareVersions('12.0.20270101', '12.0.20261231')).toBe(1)
  })
})

describe('decideVersion', () => {
  const v = imageVersion('debian', '12', '20261125')
  test.each([
    [[], 'fail', 'publish', undefined],
    [['12.0.20261124', '12.0.20250101'], 'fail', 'publish', '12.0.20261124'],
    // Other major.minor lines do not count.
    [['12.1.20270101', '13.0.20300101'], 'fail', 'publish', undefined],
    [['12.0.20261125'], 'overwrite', 'overwrite', '12.0.20261125'],
    [['12.0.20261125', '12.0.20261120'], 'skip', 'skip', '12.0.20261125'],
  ] as const)('existing %o, on-conflict %s -> %s (previous %s)', (existing, onConflict, action, previous) => {
    expect(decideVersion(v, [...existing], onConflict)).toEqual({ action, previous })
  })

  test('the same version again with on-conflict fail is an error naming on-conflict', () => {
    expect(() => decideVersion(v, ['12.0.20261125'], 'fail')).toThrow(InputError)
    expect(() => decideVersion(v, ['12.0.20261125'], 'fail')).toThrow(
      /input "on-conflict" = "fail": version 12.0.20261125 already exists/,
    )
  })

  test.each(['fail', 'overwrite', 'skip'] as const)(
    'never lower than an existing version (on-conflict %s)',
    (onConflict) => {
      expect(() => decideVersion(v, ['12.0.20261126'], onConflict)).toThrow(
        /input "date" = "20261125": version 12.0.20261125 would be lower than 12.0.20261126/,
      )
    },
  )

  test('20.04 and 20.4 are the same line', () => {
    const u = imageVersion('ubuntu', '20.04', '20201027')
    expect(decideVersion(u, ['20.4.20201026'], 'fail')).toEqual({
      action: 'publish',
      previous: '20.4.20201026',
    })
  })
})

describe('nextReleaseTag', () => {
  test.each([
    ['20261125', [], '20261125'],
    ['20261125', ['20261101', 'v1.0.0', '20251231'], '20261125'],
    ['20261125', ['20261125'], '20261126'],
    ['20261125', ['20261130'], '20261201'],
    ['20281231', ['20281231'], '20290101'],
    ['20280228', ['20280228'], '20280229'],
    ['20270228', ['20270228'], '20270301'],
  ])('today %s, tags %o -> %s', (today, tags, expected) => {
    expect(nextReleaseTag(today, tags)).toBe(expected)
  })
})
