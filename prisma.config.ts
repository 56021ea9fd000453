import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { SchemaEnginePg } from './src/store/prisma/prisma-pg-workaround';

// The JS schema engine is the only migrate path that needs no downloaded binary (see docs/platform-facts.md).
export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  async adapter() {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('DATABASE_URL must be set for Prisma CLI commands (scripts/prisma.js sets it for the embedded database)');
    // allowExitOnIdle: the CLI never closes the pool and would otherwise wait out its idle timeout.
    return new SchemaEnginePg({ connectionString: url, allowExitOnIdle: true });
  },
});
