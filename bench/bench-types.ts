/**
 * What every benchmark section shares: its rows, the context it runs in, its shape. Apart from run.ts, which
 * lists the sections, so a section importing these types does not import the runner that imports it.
 */
import type Docker from 'dockerode';
import type pino from 'pino';
import type { SandboxConfig } from '../src/config';
import type { SandboxManager } from '../src/sandbox';

export interface BenchRow {
  metric: string;
  value: string;
  target?: string;
  note?: string;
}

export interface BenchContext {
  docker: Docker;
  logger: pino.Logger;
  sandboxImage: string;
  mirrorUrl: string;
  config(over?: Partial<SandboxConfig>): SandboxConfig;
  instance(name: string): string;
  /** A sandbox service built the way the bot builds it, on this run's images, labelled `instance(name)`. */
  manager(name: string, over?: Partial<SandboxConfig>): SandboxManager;
}

export interface BenchSection {
  title: string;
  run(ctx: BenchContext): Promise<BenchRow[]>;
}
