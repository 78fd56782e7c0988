import { describe, expect, test } from 'vitest'
import { InputError } from '../../src/util/errors.ts'
import { parseInputs } from '../../src/config/parse.ts'
import { type InputName } from '../../src/config/inputs.ts'
import { openStore, parseDestination } from '../../src/store/open.ts'
import { awsSource as credentialSource } from '../../src/store/credentials.ts'
import { isTransient } from '../../src/store/s3-client.ts'

describe('parseDestination', () => {
  test.each([
    ['s3://images/metal-os', { kind: 's3', bucket: 'images', prefix: 'metal-os' }],
    ['s3://images', { kind: 's3', bucket: 'images', prefix: '' }],
    ['s3://images/', { kind: 's3', bucket: 'images', prefix: '' }],
    [
      'gs://images.metal-stack.io/metal-os/',
      { kind: 'gcs', bucket: 'images.metal-stack.io', prefix: 'metal-os' },
    ],
    ['gs://my_bucket/a/b', { kind: 'gcs', bucket: 'my_bucket', prefix: 'a/b' }],
    ['images', { kind: 'local', root: '/work/images' }],
    ['file:///srv/images', { kind: 'local', root: '/srv/images' }],
  ])('%s', (value, expected) => {
    expect(parseDestination(value, '/work')).toEqual(expected)
  })

  test.each([
    ['s3://', 'not a valid S3 bucket name'],
    ['s3://Images/x', 'not a valid S3 bucket name'],
    ['s3://my_bucket/x', 'not a valid S3 bucket name'],
    ['gs://a..b/x', 'not a valid GCS bucket name'],
    ['s3://images/../x', 'the prefix after the bucket'],
    ['gs://images//x', 'the prefix after the bucket'],
    ['s3://images/a b', 'the prefix after the bucket'],
    ['https://example.com/x', 'unsupported scheme'],
  ])('%s is refused: %s', (value, message) => {
    expect(() => parseDestination(value, '/work')).toThrow(InputError)
    expect(() => parseDestination(value, '/work')).toThrow(message)
  })
})

describe('store options belong to their store', () => {
  const config = (values: Partial<Record<InputName, string>>) =>
    parseInputs((name) => ({ 'os-name': 'debian', 'os-version': '12', ...values })[name] ?? '')
  test.each([
    [
      { destination: 'gs://bucket/x', endpoint: 'http://127.0.0.1:9000' },
      /input "endpoint".*only applies to an s3:\/\/ destination, not a gs:\/\/ one/,
    ],
    [{ destination: 'images', acl: 'public-read' }, /input "acl".*not a local folder/],
    [
      { destination: 's3://bucket', 'predefined-acl': 'publicRead' },
      /input "predefined-acl".*only applies to a gs:\/\/ destination/,
    ],
  ] as [Partial<Record<InputName, string>>, RegExp][])('%o', async (values, message) => {
    const { destination, store } = config(values)
    await expect(openStore(destination, store)).rejects.toThrow(message)
  })
})

describe('S3 fault classification and credential naming', () => {
  const withStatus = (name: string, status?: number, extra: object = {}) =>
    Object.assign(new Error(name), {
      name,
      ...(status ? { $metadata: { httpStatusCode: status } } : {}),
      ...extra,
    })
  test.each([
    [withStatus('SlowDown', 503), true],
    [withStatus('InternalError', 500), true],
    [withStatus('TooManyRequests', 429), true],
    [withStatus('TimeoutError'), true],
    [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), true],
    [new Error('socket hang up'), true],
    [withStatus('AccessDenied', 403), false],
    [withStatus('NoSuchBucket', 404), false],
    [withStatus('InvalidAccessKeyId', 403), false],
    [withStatus('BadRequest', 400), false],
    // OpenStack Swift refuses conditional PUTs with 501: an answer, not a fault to wait out.
    [withStatus('NotImplemented', 501), false],
  ])('%s -> transient %s', (err, transient) => {
    expect(isTransient(err)).toBe(transient)
  })

  test('names where credentials come from, never a value', () => {
    const env = { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEKEY', AWS_SECRET_ACCESS_KEY: 'verysecret' }
    expect(credentialSource(env)).toMatch(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment/)
    expect(credentialSource(env)).not.toMatch(/AKIA|verysecret/)
    expect(credentialSource({ AWS_PROFILE: 'ci' })).toBe('the AWS profile "ci"')
    expect(credentialSource({})).toMatch(/default chain/)
  })
})
