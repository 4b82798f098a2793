import { StringDecoder } from 'node:string_decoder';
import type Dockerode from 'dockerode';
import { dockerFailure } from './errors';
import { labelFilters } from './volumes';

export interface ContainerEvent {
  action: string;
  containerId: string;
  labels: Record<string, string>;
  time: number;
}

/**
 * Follows the engine's event stream for containers carrying `labels`. Ends
 * (onEnd) when the engine goes away, which is how the backend notices an
 * engine restart without polling.
 */
export async function followContainerEvents(
  docker: Dockerode,
  labels: Record<string, string>,
  onEvent: (event: ContainerEvent) => void,
  onEnd: (error?: Error) => void,
): Promise<() => void> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.getEvents({ filters: { type: ['container'], label: labelFilters(labels) } });
  } catch (error) {
    throw dockerFailure(error, 'following Docker events');
  }
  let ended = false;
  const end = (error?: Error): void => {
    if (ended) return;
    ended = true;
    onEnd(error);
  };
  stream.on('data', containerEventReader(onEvent));
  stream.on('end', () => end());
  stream.on('close', () => end());
  stream.on('error', (error: Error) => end(error));
  return () => {
    ended = true;
    (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
  };
}

/**
 * Turns the engine's event stream (one JSON object per line) into events, chunk
 * by chunk. Chunks split anywhere, even inside a UTF-8 character (a label value
 * with a ✓), so bytes are decoded across chunks, not each chunk alone.
 */
export function containerEventReader(onEvent: (event: ContainerEvent) => void): (chunk: Buffer) => void {
  const decoder = new StringDecoder('utf8');
  let buffer = '';
  return (chunk) => {
    buffer += decoder.write(chunk);
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (!line) continue;
      try {
        const raw = JSON.parse(line) as { Action?: string; Actor?: { ID?: string; Attributes?: Record<string, string> }; time?: number };
        onEvent({ action: raw.Action ?? '', containerId: raw.Actor?.ID ?? '', labels: raw.Actor?.Attributes ?? {}, time: raw.time ?? 0 });
      } catch {
        // A malformed event line is skipped; the next reconcile corrects any drift.
      }
    }
  };
}
