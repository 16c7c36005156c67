/**
 * The composition root for job runners: which kinds of job this process can run,
 * and with which collaborators. Kinds without a runner stay queued for a worker
 * that has one.
 */
import type { Probot } from "probot";
import type { JobRunners } from "./jobs/worker.ts";
import type { Settings } from "./config/settings.ts";

export interface RunnerServices {
  probot: Probot;
  settings: Settings;
}

export function createRunners(_services: RunnerServices): JobRunners {
  return {};
}
