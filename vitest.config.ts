import { defineConfig } from 'vitest/config';

// Four suites: `unit` runs on every `npm test`; `corpus` and `lab` need the
// shared captures or the strongSwan lab; `live` needs root and namespaces.
export default defineConfig({
  test: {
    env: { TZ: 'UTC' },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts', 'test/**/*.test.tsx'], exclude: ['test/corpus/**', 'test/lab/**', 'test/live/**'] },
      },
      {
        extends: true,
        test: { name: 'corpus', include: ['test/corpus/**/*.test.ts'], testTimeout: 120_000 },
      },
      {
        extends: true,
        test: { name: 'lab', include: ['test/lab/**/*.test.ts'], testTimeout: 900_000, hookTimeout: 900_000, fileParallelism: false },
      },
      {
        extends: true,
        test: { name: 'live', include: ['test/live/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 300_000, fileParallelism: false },
      },
    ],
  },
});
