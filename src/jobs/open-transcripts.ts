/** The transcript store next to the job store: Redis with a shared queue, else SQLite in the data dir. */
import { RedisTranscriptStore } from "./redis-transcripts.ts";
import { SqliteTranscriptStore } from "./sqlite-transcripts.ts";
import type { TranscriptStore } from "./transcript.ts";

export function openTranscriptStore(settings: { dataDir: string; queueUrl: string | undefined }): TranscriptStore {
  return settings.queueUrl ? new RedisTranscriptStore({ url: settings.queueUrl }) : new SqliteTranscriptStore({ dataDir: settings.dataDir });
}
