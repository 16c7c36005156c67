/**
 * Incident response: Sentry intake, stack traces, evidence and the incident report.
 * The public surface for the rest of Droid (the app, the CLI, the RCA runner).
 */
export { mergeAlert, newRecord, recordFromIssueTrace, type RepoWeb } from "./build-record.ts";
export { readSentrySettings, type SentryProject, type SentrySettings } from "./config.ts";
export { gatherEvidence, placeFrames, type EvidenceSources } from "./evidence.ts";
export { commitFilesFrom, commitsTouching, type CommitFiles, type GraphQL, type HistoryCommit } from "./history.ts";
export { SENTRY_WEBHOOK_PATH, sentryWebhookHandler } from "./http.ts";
export { installationClients } from "./installations.ts";
export { investigateIncident, repositoryFiles, type Investigation, type InvestigationDeps } from "./investigate.ts";
export { publishIncidentReport, type Published, type PublishTarget } from "./publish.ts";
export { IncidentIntake, type AcceptedAlert, type InstallationClient, type IntakeResult } from "./intake.ts";
export { findIncidentIssue } from "./locate.ts";
export { readSentryAlert, type SentryAlert } from "./payload.ts";
export { rcaRequest } from "./rca-command.ts";
export { readIncidentRecord, recordMarker, type Confidence, type IncidentFrame, type IncidentRecord, type RcaAnalysis, type Suspect } from "./record.ts";
export { locateFrame, normalisePath, RepoFiles, type FrameLocation } from "./repo-paths.ts";
export { evidenceGaps, incidentIssueTitle, permalink, renderIncidentReport } from "./report.ts";
export { verifySentrySignature } from "./signature.ts";
export { MemoryIncidentStore, type IncidentKey, type IncidentStore } from "./store.ts";
export * from "./stacktrace/index.ts";
export { findSuspects, implicatedLines, rankSuspects, type ImplicatedLine, type RankedSuspect } from "./suspects.ts";
