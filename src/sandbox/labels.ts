/** Labels on every container, volume and network Droid creates, so that they can be found and reaped. */
export const LABELS = {
  app: "dev.droid.app",
  job: "dev.droid.job",
  instance: "dev.droid.instance",
} as const;

export const APP_LABEL_VALUE = "droid";

export interface SandboxOwner {
  /** The job this sandbox belongs to. */
  jobId: string;
  /** The worker instance that created it (reaped when that instance restarts). */
  instance: string;
}

export function ownerLabels(owner: SandboxOwner): Record<string, string> {
  return { [LABELS.app]: APP_LABEL_VALUE, [LABELS.job]: owner.jobId, [LABELS.instance]: owner.instance };
}

/** Docker list filter for everything a given worker instance created. */
export function instanceFilter(instance: string): { label: string[] } {
  return { label: [`${LABELS.app}=${APP_LABEL_VALUE}`, `${LABELS.instance}=${instance}`] };
}

/** Docker list filter for everything made for one job, by any worker instance. */
export function jobFilter(jobId: string): { label: string[] } {
  return { label: [`${LABELS.app}=${APP_LABEL_VALUE}`, `${LABELS.job}=${jobId}`] };
}
