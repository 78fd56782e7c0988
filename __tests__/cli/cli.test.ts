import { describe, expect, test } from 'vitest'
import { helpText, parseArgs } from '../../src/cli/cli.ts'
import { INPUTS, OUTPUTS } from '../../src/config/inputs.ts'

describe('parseArgs', () => {
  test('--name value, --name=value, switches and repeated list flags', () => {
    const { values, help } = parseArgs([
      '--os-name',
      'debian',
      '--os-version=12',
      '--pull',
      '--no-cache',
      'false',
      '--build-args',
      'A=1',
      '--build-args=B=2',
      '--destination',
      '-relative-dir',
    ])
    expect(help).toBe(false)
    expect(Object.fromEntries(values)).toEqual({
      'os-name': 'debian',
      'os-version': '12',
      pull: 'true',
      'no-cache': 'false',
      'build-args': 'A=1\nB=2',
      destination: '-relative-dir',
    })
  })

  test.each([
    [['--bogus', 'x'], /unknown flag --bogus/],
    [['--os-name'], /--os-name needs a value/],
    [['--os-name', '--os-version', '12'], /--os-name needs a value/],
    [['debian'], /expected --<input> <value>/],
  ])('%o is an error', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message)
  })

  test('--version is a switch of its own, not an input', () => {
    expect(parseArgs(['--version'])).toEqual({ values: new Map(), help: false, version: true })
  })

  test('--help lists every input as a flag and every output', () => {
    const text = helpText()
    for (const name of Object.keys(INPUTS)) expect(text).toContain(`--${name}`)
    for (const name of Object.keys(OUTPUTS)) expect(text).toMatch(new RegExp(`^  ${name}$`, 'm'))
  })
})
