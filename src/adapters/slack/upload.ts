import type { webApi } from '@slack/bolt';
import type { ChannelQueue } from './channelQueue';

/**
 * File uploads with Slack's documented argument names (issue 11 §6). `filesUploadV2` in web-api 8 forwards an
 * image's alt text to `files.getUploadURLExternal` as `alt_text`, but the method documents `alt_txt` (up to
 * 1,000 characters), so real Slack shows no alt text. The same three steps are done here:
 * `files.getUploadURLExternal` per file, a POST of the bytes to its `upload_url`, then one
 * `files.completeUploadExternal` sharing them all in the thread (docs/slack.md "Files").
 */

type WebClient = webApi.WebClient;

export interface UploadFile {
  filename: string;
  title: string;
  content: Buffer;
  /** Images only: read by screen readers (`alt_txt`). */
  altText?: string;
}

/** `files.getUploadURLExternal`'s documented bound for `alt_txt`. */
export const ALT_TXT_MAX = 1000;
const UPLOAD_TIMEOUT_MS = 60_000;

export class UploadError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'UploadError';
  }
}

function altTxt(text: string): string {
  return text.length <= ALT_TXT_MAX ? text : text.slice(0, ALT_TXT_MAX - 1) + '…';
}

export async function uploadFiles(
  client: WebClient,
  target: { channelId: string; threadTs: string },
  files: readonly UploadFile[],
  opts: { fetch?: typeof fetch; timeoutMs?: number; channelQueue?: ChannelQueue } = {},
): Promise<void> {
  if (files.length === 0) return;
  const post = opts.fetch ?? fetch;
  const slots: Array<{ file: UploadFile; id: string; url: string }> = [];
  for (const file of files) {
    const res = (await client.apiCall('files.getUploadURLExternal', {
      filename: file.filename,
      length: file.content.length,
      ...(file.altText ? { alt_txt: altTxt(file.altText) } : {}),
    })) as { upload_url?: unknown; file_id?: unknown };
    if (typeof res.upload_url !== 'string' || typeof res.file_id !== 'string') {
      throw new UploadError('no_upload_url', `files.getUploadURLExternal gave no upload URL for ${file.filename}`);
    }
    slots.push({ file, id: res.file_id, url: res.upload_url });
  }
  for (const slot of slots) {
    let status: number;
    try {
      const res = await post(slot.url, {
        method: 'POST',
        body: slot.file.content,
        headers: { 'content-type': 'application/octet-stream' },
        redirect: 'error',
        signal: AbortSignal.timeout(opts.timeoutMs ?? UPLOAD_TIMEOUT_MS),
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (e) {
      throw new UploadError('upload_failed', `the upload of ${slot.file.filename} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (status !== 200) throw new UploadError(`http_${status}`, `the upload of ${slot.file.filename} got HTTP ${status}`);
  }
  const [first, ...rest] = slots.map((s) => ({ id: s.id, title: s.file.title }));
  // The share is a message in the channel: it takes its turn with the channel's posts (channelQueue.ts).
  const complete = () => client.files.completeUploadExternal({ channel_id: target.channelId, thread_ts: target.threadTs, files: [first, ...rest] });
  await (opts.channelQueue ? opts.channelQueue.post(target.channelId, complete) : complete());
}
