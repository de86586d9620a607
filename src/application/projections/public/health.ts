import type { ProjectionStatus, RunningProjection } from './runner';

export interface ProjectionsHealth {
  /** False while any projection has failed: a platform's readiness check can report it. */
  readonly isHealthy: boolean;
  readonly projections: Readonly<Record<string, ProjectionStatus>>;
}

/** The statuses of a platform's projections, for its own health endpoint. */
export const projectionsHealth = (running: readonly RunningProjection[]): ProjectionsHealth => {
  const projections = Object.fromEntries(running.map((p) => [p.name, p.status()]));
  return {
    isHealthy: Object.values(projections).every((s) => s.status !== 'failed'),
    projections,
  };
};
