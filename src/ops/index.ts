/** The ops layer's front door: code outside src/ops imports only this file (lint holds it). */
export { countedChecks, countedLessons, timedSandboxPort } from './instrumented-ports';
export { Lifecycles, type Lifecycle } from './lifecycles';
export { BotMetrics } from './metrics';
export { startOpsServer, type OpsServer } from './ops-server';
export { Readiness } from './readiness';
export { PART_OF, startWithRetry } from './start-with-retry';
export { applyCpuPriority, processThreads, type PriorityOutcome, type ThreadPriorities } from './cpu-priority';
