import { defineConfig } from 'vitest/config'

/**
 * Integration tests: the real Docker engine, OpenStack Swift, the GCS emulator, Azurite and a registry
 * (scripts/test-env.sh starts what is missing), and the bundled action in dist/ as GitHub runs it.
 */
export default defineConfig({
  test: {
    include: ['__tests__/**/*.itg.test.ts'],
    // They build images and stream gigabytes through docker.
    testTimeout: 300_000,
    hookTimeout: 600_000,
    // The docker suites share one engine and its build cache; running files in parallel only makes them
    // fight for the cores and the disk.
    fileParallelism: false,
    globalSetup: ['__tests__/helpers/global-setup.ts'],
  },
})
