import { defineConfig } from 'vitest/config';

// Integration suites start real processes (kube-apiserver, etcd, MCP servers, an OAuth server):
// they run in forked workers, at most two at a time on the 2-core CI machine.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    // Kills the server processes a test file left running (test/support/upstreams/child.ts).
    setupFiles: ['test/support/setup-children.ts'],
  },
});
