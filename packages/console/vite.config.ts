// The console's build: React + antd into dist/ (served by the API, see services/api/src/routes/console.ts).
// The build prints the gzipped size of the first page's JavaScript (the entry chunk and every chunk
// it imports statically: what the browser must load before the sign-in page shows) and fails over
// FIRST_PAGE_LIMIT_KB. Pages are React.lazy chunks, loaded per role and route.
import { gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const FIRST_PAGE_LIMIT_KB = 400;

function firstPageSize(): Plugin {
  return {
    name: 'ew-first-page-size',
    apply: 'build',
    generateBundle(_options, bundle) {
      const entry = Object.values(bundle).find((c) => c.type === 'chunk' && c.isEntry);
      if (entry === undefined || entry.type !== 'chunk') return;
      const seen = new Set<string>();
      const pending = [entry.fileName];
      while (pending.length > 0) {
        const name = pending.pop()!;
        const chunk = bundle[name];
        if (seen.has(name) || chunk === undefined || chunk.type !== 'chunk') continue;
        seen.add(name);
        pending.push(...chunk.imports);
      }
      let raw = 0;
      let gzipped = 0;
      for (const name of seen) {
        const chunk = bundle[name];
        if (chunk?.type !== 'chunk') continue;
        raw += Buffer.byteLength(chunk.code);
        gzipped += gzipSync(chunk.code, { level: 9 }).length;
      }
      const kb = (n: number) => (n / 1024).toFixed(1);
      const lazy = Object.values(bundle).filter((c) => c.type === 'chunk').length - seen.size;
      console.log(
        `\nfirst page JavaScript: ${kb(gzipped)} KB gzipped (${kb(raw)} KB raw, ${seen.size} chunks; ` +
          `${lazy} lazy chunks load per route), limit ${FIRST_PAGE_LIMIT_KB} KB`,
      );
      if (gzipped > FIRST_PAGE_LIMIT_KB * 1024) {
        this.error(
          `the first page's JavaScript is ${kb(gzipped)} KB gzipped, over ${FIRST_PAGE_LIMIT_KB} KB`,
        );
      }
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react(), firstPageSize()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // antd's shared chunk is large raw; the gzipped first-page figure above is the one that matters
    chunkSizeWarningLimit: 1500,
    reportCompressedSize: false,
  },
  server: {
    // `pnpm --filter @ew/console dev` against `pnpm api` on :3000
    proxy: Object.fromEntries(
      ['/auth', '/me', '/tasks', '/towns', '/users', '/paperwork', '/imports', '/reviews', '/audit'].map(
        (p) => [p, 'http://127.0.0.1:3000'],
      ),
    ),
  },
});
