import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import type { RunResult } from '../../src/app/result.ts'
import { TOOL } from '../../src/util/tool.ts'
import { linked, summaryTables, testFailureSummary, testLine } from '../../src/github/summary.ts'
import { outputsOf } from '../../src/app/outputs.ts'

const result: RunResult = {
  imageId: 'debian-12.0.20261129',
  version: '12.0.20261129',
  semver: '12.0.20261129',
  previous: undefined,
  releaseTag: '20261129',
  channel: 'stable',
  url: 'gs://images/stable/debian/12/img.tar.lz4',
  md5: '0123456789abcdef0123456789abcdef',
  checksums: { md5: '0123456789abcdef0123456789abcdef' },
  size: 100,
  build: {
    rootfsSize: 200,
    compressionLevel: 1,
    packages: 3,
    cache: undefined,
    packageChanges: undefined,
    contract: {
      mode: 'warn',
      passed: true,
      failed: false,
      errors: 0,
      warnings: 1,
      findings: [
        { id: 'world-writable', level: 'warning', message: '1 entry: /opt/<b>x</b>', path: '/opt/<b>x</b>' },
      ],
    },
  },
  files: [{ name: 'img.tar.lz4', url: 'gs://images/stable/debian/12/img.tar.lz4', bytes: 100 }],
  method: 'docker export',
  timings: [],
}

describe('outputs and job summary', () => {
  test('metadata is every other output as one JSON object', () => {
    const { metadata, ...others } = outputsOf(result, { id: 7, url: 'https://x/7' })
    expect(JSON.parse(metadata)).toEqual(others)
    expect(others['artifact-id']).toBe('7')
  })

  test('paths and messages from the image go into the HTML summary as text, not markup', () => {
    const { contract } = summaryTables(result)
    expect(contract[0]).toEqual([
      'warning',
      'world-writable',
      '1 entry: /opt/&lt;b&gt;x&lt;/b&gt;',
      '/opt/&lt;b&gt;x&lt;/b&gt;',
    ])
  })

  test('bucket files link to where a browser can fetch them; local files stay text', () => {
    expect(linked('gs://images/a b/img.tar.lz4')).toBe(
      '<a href="https://storage.googleapis.com/images/a%20b/img.tar.lz4">gs://images/a b/img.tar.lz4</a>',
    )
    expect(linked('s3://bucket/x', 'http://127.0.0.1:18080/')).toBe(
      '<a href="http://127.0.0.1:18080/bucket/x">s3://bucket/x</a>',
    )
    expect(linked('s3://bucket/x')).toBe('<a href="https://bucket.s3.amazonaws.com/x">s3://bucket/x</a>')
    expect(linked('file:///tmp/<x>')).toBe('file:///tmp/&lt;x&gt;')
    // An endpoint's user, password and query stay out of the summary.
    expect(linked('s3://bucket/x', 'http://user:secret@127.0.0.1:18080/?token=t')).toBe(
      '<a href="http://127.0.0.1:18080/bucket/x">s3://bucket/x</a>',
    )
  })

  test('facts from inputs and the image (a path, the method) are text in the HTML summary', () => {
    const { facts } = summaryTables({
      ...result,
      method: 'rootfs file /tmp/x<img src=q onerror=alert(1)>/r.tar',
    })
    const rootfs =
      facts.find(([name]) => name === 'Rootfs')?.[1] ?? facts.find(([name]) => name === 'img.tar.lz4')![1]
    expect(rootfs).toContain('/tmp/x&lt;img src=q onerror=alert(1)&gt;/r.tar')
    expect(rootfs).not.toContain('<img')
  })

  test('the SBOM names the tool with the version in package.json', () => {
    expect(TOOL.version).toBe(
      JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version,
    )
  })
})

describe('the image test in the summary', () => {
  test('a passed test is one row; what comes from the image is text, not HTML', () => {
    const tested: RunResult = {
      ...result,
      build: {
        ...result.build!,
        test: {
          mode: 'boot',
          passed: true,
          installer: '/install.sh',
          kernel: '/boot/vmlinuz-6.1.0-50-amd64',
          initrd: '/boot/initrd.img-6.1.0-50-amd64',
          cmdline: 'console=ttyS0',
          accel: 'tcg',
          successLine: '[  OK  ] Reached target <b>Multi-User</b> System.',
          command: { exitCode: 0, output: 'ok' },
          seconds: { extract: 19.2, install: 0.1, disk: 3, boot: 38.8, command: 4.4 },
        },
      },
    }
    expect(testLine(tested.build!.test!)).toBe(
      'boot passed: installed with /install.sh and booted /boot/vmlinuz-6.1.0-50-amd64 (TCG) to "[  OK  ] Reached target <b>Multi-User</b> System."; test-command exited 0',
    )
    // The summary is HTML: the line goes in as text.
    expect(summaryTables(tested).facts).toContainEqual([
      'Test',
      'boot passed: installed with /install.sh and booted /boot/vmlinuz-6.1.0-50-amd64 (TCG) to &quot;[  OK  ] Reached target &lt;b&gt;Multi-User&lt;/b&gt; System.&quot;; test-command exited 0',
    ])
    expect(outputsOf(tested)['test-result']).toBe(JSON.stringify(tested.build!.test))
    expect(outputsOf(result)['test-result']).toBe('')
  })

  test('a failed test: the phase, the reason, both tails escaped, and the link to the logs', () => {
    const html = testFailureSummary(
      {
        phase: 'install',
        reason: 'running "/install.sh" in chroot failed: exit status 1',
        installerTail: 'grub-install: <no disk>',
        consoleTail: undefined,
      },
      { url: 'https://github.com/o/r/actions/runs/1/artifacts/2' },
    )
    expect(html).toContain('<h2>Image test failed in phase install: nothing was published</h2>')
    expect(html).toContain('<p>running &quot;/install.sh&quot; in chroot failed: exit status 1</p>')
    expect(html).toContain('<pre>grub-install: &lt;no disk&gt;</pre>')
    expect(html).not.toContain('Console (last lines)')
    expect(html).toContain(
      '<a href="https://github.com/o/r/actions/runs/1/artifacts/2">workflow artifact</a>',
    )
  })
})
