import { defineConfig } from 'vitest/config'

/**
 * Unit tests: src/ directly, no bundle, no Docker, no servers (local tools such as tar, lz4, dpkg and rpm
 * are compared against where they are installed). Integration tests (*.itg.test.ts) run with
 * vitest.config.itg.ts.
 */
export default defineConfig({
  test: {
    include: ['__tests__/**/*.test.ts'],
    exclude: ['__tests__/**/*.itg.test.ts', 'node_modules/**'],
    testTimeout: 120_000,
    globalSetup: ['__tests__/helpers/global-setup.ts'],
  },
})
