import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Most integration tests wait on loopback HTTP, timers and leases rather than the CPU: on a 2-core CI
    // machine vitest's default (cores - 1 = one file at a time) leaves the CPU idle half the run.
    maxWorkers: 3,
    globalSetup: ['test/global-setup.ts'],
    // The SDK warns that releases after January 2027 need Node 22; that is noted in the README, not in every test.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
