export { readConfig, ConfigError, DEFAULT_METRICS_PORT } from './config';
export type { Config, SandboxConfig, SandboxProfile, SlackMode, DockerEndpoint, OAuthConfig, PlaygroundConfig } from './config';
export { AUTO_DISK_CEILING_MB, COURSE_DISK_FLOOR_MB, FALLBACK_HOST, sandboxLimitsFor, type HostFacts } from './sandbox-limits';
export { withEnvFile } from './env-file';
export { BOT_SCOPES, parseTokenKey } from './oauth-config';
