import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources; `aurora` must resolve to them (not dist/) so there is one core.
    alias: [
      { find: /^aurora$/, replacement: `${root}core/index.ts` },
      { find: /^aurora\/testing$/, replacement: `${root}core/testing/index.ts` },
      { find: /^aurora\/node$/, replacement: `${root}core/node.ts` },
      { find: /^aurora\/postgres$/, replacement: `${root}core/postgres/index.ts` },
      { find: /^aurora\/plugins\/([\w-]+)$/, replacement: `${root}plugins/$1/index.ts` },
    ],
  },
  test: {
    include: ['core/**/*.test.ts', 'plugins/**/*.test.ts', 'examples/**/*.test.ts', 'admin/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
