import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['__tests__/**/*.test.ts'],
    // End-to-end tests build images and stream gigabytes through docker; a fast unit suite does not need
    // these limits, the docker suites do.
    testTimeout: 300_000,
    hookTimeout: 600_000,
    // The docker suites share one engine and its build cache; running files in parallel only makes them
    // fight for the two cores and the disk.
    fileParallelism: false,
    globalSetup: ['__tests__/helpers/global-setup.ts'],
  },
})
