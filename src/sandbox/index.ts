/**
 * The sandbox layer's front door: the service (one private Docker-in-Docker box per learner, its shell, limits
 * and clean-up) and its public types. Code outside the layer imports only this file (lint holds it); inside,
 * files import each other by relative path. The sandbox knows nothing of lessons, Slack or the database: it
 * reports events, the caller persists.
 */
export { createSandboxService, createSandboxTerminals, type SandboxImages, type SandboxServiceConfig, type SandboxServiceOptions, type SandboxTerminals } from './sandbox-service';
export type { Pty } from './shell/pty';
export { COMMAND_END_MARK } from './shell/terminal-shell';
// The playground editor's file operations in a learner's sandbox (an exec as the sandbox's own root, never the host).
export { createSandboxFiles, SandboxFileError, type FileEntry, type FileProblem, type LearnerSandboxFiles, type SandboxFiles } from './files/sandbox-files';
export type { SandboxManager, SandboxManagerOptions } from './lifecycle/sandbox-manager';
// The one sandbox contract every caller uses (the tutor, the lesson runner, the metrics wrapper, the test fake).
export type { SandboxPort, SandboxStats } from './sandbox-port';
export type { PreparedSpec } from './lifecycle/prepared-pools';
export type { CheckOptions, CommandResult, RunOptions, SandboxEvent, ScriptOptions, ScriptResult } from './types';

// The engine client: entry points make one for the images layer and their own checks (e.g. a readiness ping).
export { createDockerClient, type DockerClientOptions, type DockerTlsOptions } from './engine/docker-client';
// Runs a script on the engine host; the images layer takes it to reach a remote engine's mirror.
export { runOnEngineHost } from './engine/host-exec';
// The profile the tests and the bench choose: userns where the engine remaps users, else test-host-cgroup, which
// they then acknowledge explicitly (SANDBOX_ALLOW_TEST_HOST_CGROUP); lessons:test chooses its own (--unsafe-host-profile).
export { testMachineProfile } from './engine/engine-host';
// The sandboxes' remaining kernel key quota on the engine host, for the metrics gauge.
export { latestKeyQuota } from './isolation/key-quota-watch';
// How a disk cap is worded to the learner, so notices say it as the sandbox does.
export { diskSizeText } from './isolation/docker-disk-policy';
export { ENGINE_LOST_DETAIL, STOPPED_AWAY_DETAIL } from './lifecycle/engine-watch';

// The raw engine pieces under the service, for the benchmarks that measure them alone (bench/).
export { SandboxRuntime } from './engine/sandbox-runtime';
export { MIRROR_ENV } from './engine/sandbox-labels';
export { NetworkPool } from './isolation/network-pool';
export { sandboxNetworkPolicy } from './isolation/sandbox-network-policy';
// The start-up probe's log line: honest when no probe sandbox could be tried.
export { logProbe, type ProbeResult } from './engine/profile-probe';
// The web playground's port previews: published ports and a stream to one, through the sandbox's inspector.
export { createSandboxPreviews, parsePublishedPorts, PreviewStreamError, type PreviewRefusal, type PublishedPort, type SandboxPreviews } from './sandbox-previews';
