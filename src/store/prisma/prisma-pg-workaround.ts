import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';

/*
 * Workaround for https://github.com/prisma/prisma/issues/27403 (prisma/orm#27403): Prisma's JS schema
 * engine cannot read Postgres catalog columns of type `name` (oid 19) and `"char"` (oid 18). Reporting
 * them as `text` (oid 25) is harmless: pg hands both over as strings anyway. Delete this file when
 * upstream fixes the issue and use `new PrismaPg(config)` directly.
 */
const AS_TEXT = new Set([18, 19]);
const TEXT_OID = 25;

function patchFields<T>(result: T): T {
  const fields = (result as { fields?: { dataTypeID: number }[] } | undefined)?.fields;
  if (fields) for (const f of fields) if (AS_TEXT.has(f.dataTypeID)) f.dataTypeID = TEXT_OID;
  return result;
}

// Patched on the client, not the pool: pool.query and transactions (pool.connect()) both end up here.
class CatalogTextClient extends pg.Client {
  // pg's overloads make a typed override noisy; both the callback and the promise forms are covered.
  override query(...args: unknown[]): never {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (err: unknown, res: unknown) => (last as (e: unknown, r: unknown) => void)(err, err ? res : patchFields(res));
    }
    const out = (super.query as (...a: unknown[]) => unknown).apply(this, args);
    return (out instanceof Promise ? out.then(patchFields) : out) as never;
  }
}

const catalogTextPool = (config: pg.PoolConfig) => new pg.Pool({ ...config, Client: CatalogTextClient });

/** A PrismaPg factory whose pools (the main one and migrate's shadow database) report catalog types as text. */
export class SchemaEnginePg extends PrismaPg {
  constructor(private readonly poolConfig: pg.PoolConfig) {
    // The factory's pool lives as long as the CLI process; connect() is called more than once.
    super(catalogTextPool(poolConfig));
  }

  override async connectToShadowDb() {
    const main = await this.connect();
    const database = `prisma_migrate_shadow_db_${globalThis.crypto.randomUUID()}`;
    await main.executeScript(`CREATE DATABASE "${database}"`);
    const shadowPool = catalogTextPool({ ...this.poolConfig, database });
    const shadow = await new PrismaPg(shadowPool).connect();
    const dispose = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await dispose();
      await shadowPool.end();
      await main.executeScript(`DROP DATABASE "${database}"`);
      await main.dispose();
    };
    return shadow;
  }
}
