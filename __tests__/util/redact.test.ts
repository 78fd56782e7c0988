import { describe, expect, test } from 'vitest'
import { inert, redact } from '../../src/util/redact.ts'

describe('what may be shown', () => {
  test.each([
    ['s3://AKIAIOSFODNN7EXAMPLE:secret@host/bucket', 's3://***@host/bucket'],
    ['https://user:pass@host/x and http://u@h/', 'https://***@host/x and http://***@h/'],
    [
      'Nothing answers at http://user:secret@127.0.0.1:1/ (ECONNREFUSED)',
      'Nothing answers at http://***@127.0.0.1:1/ (ECONNREFUSED)',
    ],
    [
      'https://b.s3.amazonaws.com/k?X-Amz-Signature=abc&X-Amz-Credential=d',
      'https://b.s3.amazonaws.com/k?***',
    ],
    ['"http://h/x?token=t"', '"http://h/x?***"'],
    ['file:///tmp/a@b/c', 'file:///tmp/a@b/c'],
    ['user@example.com wrote /a/b?c', 'user@example.com wrote /a/b?c'],
  ])('%s', (text, shown) => {
    expect(redact(text)).toBe(shown)
  })

  test('credentials as attributes of a buildx cache spec', () => {
    expect(
      redact(
        '--cache-to type=gha,url=http://127.0.0.1:1/,token=GHA_TOKEN_LEAK,mode=max --cache-from type=s3,region=x,access_key_id=AKIA1,secret_access_key=S3_SECRET_LEAK,session_token=ST',
      ),
    ).toBe(
      '--cache-to type=gha,url=http://127.0.0.1:1/,token=***,mode=max --cache-from type=s3,region=x,access_key_id=***,secret_access_key=***,session_token=***',
    )
    expect(redact('type=azblob,account_url=https://a.blob/,account_key=K3Y,name=c')).toBe(
      'type=azblob,account_url=https://a.blob/,account_key=***,name=c',
    )
    // Not every `=`: an attribute that is no credential stays, and a secret's id is a name.
    expect(redact('fixture_token=/run/secrets/token,id=my_secret=x')).toBe(
      'fixture_token=/run/secrets/token,id=my_secret=x',
    )
    expect(redact('type=registry,ref=r/x:cache,mode=max')).toBe('type=registry,ref=r/x:cache,mode=max')
  })

  test('a long value is cut, saying how long it was', () => {
    expect(redact('x'.repeat(300), 200)).toBe(`${'x'.repeat(200)}... (300 characters)`)
    expect(redact('short', 200)).toBe('short')
  })

  test('no line of a message can be a workflow command', () => {
    expect(inert('path /a\n::set-output name=url::forged\n  ::error::x')).toBe(
      'path /a\n:\u200b:set-output name=url::forged\n  :\u200b:error::x',
    )
    expect(inert('a::b')).toBe('a::b')
    // The older syntax, anywhere in a line (a RUN step's output: `#5 0.220 ##[set-output ...]`).
    expect(inert('#5 0.220 ##[set-output name=url;]http://x\n##[error]y')).toBe(
      '#5 0.220 ##\u200b[set-output name=url;]http://x\n##\u200b[error]y',
    )
    expect(inert('# a comment [x]')).toBe('# a comment [x]')
  })
})
