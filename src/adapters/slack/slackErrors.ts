import { webApi } from '@slack/bolt';
import { UploadError } from './upload';

/** Slack's error code for a failed Web API call (`not_in_channel`, `ratelimited`, `http_503`, ...). */
export function slackErrorCode(e: unknown): string {
  if (e instanceof webApi.WebAPIPlatformError) return e.data.error;
  if (e instanceof UploadError) return e.code;
  if (e instanceof webApi.WebAPIRateLimitedError) return 'ratelimited';
  if (e instanceof webApi.WebAPIHTTPError) return `http_${e.statusCode}`;
  if (e instanceof webApi.WebAPIRequestError) return 'request_error';
  return e instanceof Error ? e.message : String(e);
}

/** The bot may not post here: the user must invite it (or grant `chat:write.public`). */
export const NOT_IN_CHANNEL_ERRORS: ReadonlySet<string> = new Set(['not_in_channel', 'channel_not_found', 'is_archived']);

/** The message body was refused for its size or shape: post a shorter fallback instead. */
export const TOO_BIG_ERRORS: ReadonlySet<string> = new Set(['msg_too_long', 'invalid_blocks', 'msg_blocks_too_long', 'invalid_blocks_format']);
